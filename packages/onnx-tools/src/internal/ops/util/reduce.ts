// The Reduce* family: axes as an attribute before `inputSince` and as input 1 from it,
// keepdims, noop_with_empty_axes. Each op supplies its Reduction.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext, OpRegistration } from '../contract.js';
import { intAttr, intsAttr, readInts, requireInput } from './attributes.js';
import { defineOp } from './define.js';
import { expectType, fromNumbers, makeTensor, NUMERIC_TYPES, sizeOf, toNumbers } from './dtype.js';
import { normalizeAxis, stridesOf } from './shape.js';

export interface Reduction {
  init: number;
  /** Per element: accumulator, value -> accumulator. */
  step: (acc: number, v: number) => number;
  /** Accumulator, count -> result. */
  finish?: (acc: number, count: number) => number;
  /** Reducing one element gives the element itself (so empty axes with noop copy the input). */
  identityOnOne?: boolean;
  /** Replaces the plain init/step loop (e.g. a numerically stable LogSumExp). */
  accumulate?: (values: ArrayLike<number>, map: Int32Array, acc: Float64Array) => void;
  /** Also accepts bool inputs. */
  acceptsBool?: boolean;
}

/** For each input element, the flat index of the (keepdims) output element it reduces into. */
function reductionMap(dims: readonly number[], reduced: readonly boolean[]): { outDims: number[]; map: Int32Array } {
  const outDims = dims.map((d, i) => (reduced[i] ? 1 : d));
  const outStrides = stridesOf(outDims);
  const strides = dims.map((_, i) => (reduced[i] ? 0 : outStrides[i]!));
  const total = sizeOf(dims);
  const map = new Int32Array(total);
  const index = new Array<number>(dims.length).fill(0);
  let offset = 0;
  for (let i = 0; i < total; i++) {
    map[i] = offset;
    for (let a = dims.length - 1; a >= 0; a--) {
      index[a]!++;
      offset += strides[a]!;
      if (index[a]! < dims[a]!) break;
      offset -= strides[a]! * dims[a]!;
      index[a] = 0;
    }
  }
  return { outDims, map };
}

function reducedAxes(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext, inputSince: number, rank: number): boolean[] | undefined {
  let axes: number[] | undefined;
  if (context.opset >= inputSince) axes = inputs[1] ? readInts(inputs[1]) : undefined;
  else axes = intsAttr(attributes, 'axes');
  if (!axes || axes.length === 0) {
    if (intAttr(attributes, 'noop_with_empty_axes', 0) === 1) return undefined;
    return new Array<boolean>(rank).fill(true);
  }
  const flags = new Array<boolean>(rank).fill(false);
  for (const a of axes) flags[normalizeAxis(context, a, rank)] = true;
  return flags;
}

function intMax(type: string): number {
  return type === 'int8' ? 127 : type === 'uint8' ? 255 : type === 'int32' ? 2147483647 : Number.MAX_SAFE_INTEGER;
}

function intMin(type: string): number {
  return type === 'int8' ? -128 : type === 'uint8' ? 0 : type === 'int32' ? -2147483648 : -Number.MAX_SAFE_INTEGER;
}

/** Registers a Reduce* op whose axes become an input at opset `inputSince`. */
export function reduceOp(opType: string, inputSince: number, r: Reduction): OpRegistration {
  return defineOp(opType, 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, r.acceptsBool ? [...NUMERIC_TYPES, 'bool'] : NUMERIC_TYPES);
    const reduced = reducedAxes(inputs, attributes, context, inputSince, x.dims.length);
    const values = toNumbers(x);
    if (!reduced) {
      if (r.identityOnOne) return [makeTensor(x.type, x.dims, x.data.slice() as never)];
      const fn = (v: number) => (r.finish ? r.finish(r.step(r.init, v), 1) : r.step(r.init, v));
      return [fromNumbers(x.type, x.dims, Float64Array.from(values, fn))];
    }
    const { outDims, map } = reductionMap(x.dims, reduced);
    const outSize = sizeOf(outDims);
    const counts = sizeOf(x.dims) / Math.max(outSize, 1);
    const acc = new Float64Array(outSize);
    if (r.accumulate) r.accumulate(values, map, acc);
    else {
      acc.fill(r.init);
      for (let i = 0; i < values.length; i++) acc[map[i]!] = r.step(acc[map[i]!]!, values[i]!);
      if (r.finish) for (let o = 0; o < outSize; o++) acc[o] = r.finish(acc[o]!, counts);
    }
    const keep = intAttr(attributes, 'keepdims', 1) === 1;
    const dims = keep ? outDims : x.dims.filter((_, i) => !reduced[i]);
    if (x.type === 'int32' || x.type === 'int8' || x.type === 'uint8' || x.type === 'int64') {
      // Empty integer reductions of Max/Min give the type's extreme value.
      for (let o = 0; o < outSize; o++) if (!Number.isFinite(acc[o]!)) acc[o] = acc[o]! > 0 ? intMax(x.type) : intMin(x.type);
    }
    return [fromNumbers(x.type, dims, acc)];
  });
}
