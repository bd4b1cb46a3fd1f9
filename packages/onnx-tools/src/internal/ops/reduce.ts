// Reduce* (axes as attribute before opset 13/18, as input after) and ArgMax/ArgMin.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intAttr, intsAttr, readInts, requireInput } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { expectType, fromNumbers, makeTensor, NUMERIC_TYPES, sizeOf, toNumbers } from './util/dtype.js';
import { normalizeAxis, stridesOf } from './util/shape.js';

interface Reduction {
  init: number;
  /** Per element: accumulator, value -> accumulator. */
  step: (acc: number, v: number) => number;
  /** Accumulator, count -> result. */
  finish?: (acc: number, count: number) => number;
}

const REDUCTIONS: Record<string, Reduction> = {
  ReduceSum: { init: 0, step: (a, v) => a + v },
  ReduceMean: { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n },
  ReduceMax: { init: -Infinity, step: (a, v) => (v > a || Number.isNaN(v) ? v : a) },
  ReduceMin: { init: Infinity, step: (a, v) => (v < a || Number.isNaN(v) ? v : a) },
  ReduceProd: { init: 1, step: (a, v) => a * v },
  ReduceL1: { init: 0, step: (a, v) => a + Math.abs(v) },
  ReduceL2: { init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) },
  ReduceLogSum: { init: 0, step: (a, v) => a + v, finish: (a) => Math.log(a) },
  ReduceSumSquare: { init: 0, step: (a, v) => a + v * v },
};

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

function reduceOp(opType: string, inputSince: number): OpRegistration {
  return defineOp(opType, 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, opType === 'ReduceMax' || opType === 'ReduceMin' ? [...NUMERIC_TYPES, 'bool'] : NUMERIC_TYPES);
    const reduced = reducedAxes(inputs, attributes, context, inputSince, x.dims.length);
    const values = toNumbers(x);
    if (!reduced) {
      if (opType === 'ReduceSum' || opType === 'ReduceMax' || opType === 'ReduceMin' || opType === 'ReduceMean' || opType === 'ReduceProd') return [makeTensor(x.type, x.dims, x.data.slice() as never)];
      const r = REDUCTIONS[opType];
      const fn = opType === 'ReduceLogSumExp' ? (v: number) => Math.log(Math.exp(v)) : (v: number) => (r!.finish ? r!.finish(r!.step(r!.init, v), 1) : r!.step(r!.init, v));
      return [fromNumbers(x.type, x.dims, Float64Array.from(values, fn))];
    }
    const { outDims, map } = reductionMap(x.dims, reduced);
    const outSize = sizeOf(outDims);
    const counts = sizeOf(x.dims) / Math.max(outSize, 1);
    const acc = new Float64Array(outSize);
    if (opType === 'ReduceLogSumExp') {
      const max = new Float64Array(outSize).fill(-Infinity);
      for (let i = 0; i < values.length; i++) if (values[i]! > max[map[i]!]!) max[map[i]!] = values[i]!;
      for (let i = 0; i < values.length; i++) acc[map[i]!] = acc[map[i]!]! + Math.exp(values[i]! - max[map[i]!]!);
      for (let o = 0; o < outSize; o++) acc[o] = Number.isFinite(max[o]!) ? Math.log(acc[o]!) + max[o]! : Math.log(acc[o]!);
    } else {
      const r = REDUCTIONS[opType]!;
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

function intMax(type: string): number {
  return type === 'int8' ? 127 : type === 'uint8' ? 255 : type === 'int32' ? 2147483647 : Number.MAX_SAFE_INTEGER;
}
function intMin(type: string): number {
  return type === 'int8' ? -128 : type === 'uint8' ? 0 : type === 'int32' ? -2147483648 : -Number.MAX_SAFE_INTEGER;
}

function argOp(opType: 'ArgMax' | 'ArgMin'): OpRegistration {
  return defineOp(opType, 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, NUMERIC_TYPES);
    const rank = x.dims.length;
    const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), rank);
    const last = intAttr(attributes, 'select_last_index', 0) === 1;
    const values = toNumbers(x);
    const outer = sizeOf(x.dims.slice(0, axis));
    const extent = x.dims[axis]!;
    const inner = sizeOf(x.dims.slice(axis + 1));
    const out = new BigInt64Array(outer * inner);
    const better = opType === 'ArgMax' ? (v: number, best: number) => v > best : (v: number, best: number) => v < best;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let bestIndex = 0;
        let best = values[o * extent * inner + i]!;
        for (let k = 1; k < extent; k++) {
          const v = values[(o * extent + k) * inner + i]!;
          if (better(v, best) || (last && v === best)) {
            best = v;
            bestIndex = k;
          }
        }
        out[o * inner + i] = BigInt(bestIndex);
      }
    }
    const keep = intAttr(attributes, 'keepdims', 1) === 1;
    const dims = keep ? x.dims.map((d, i) => (i === axis ? 1 : d)) : x.dims.filter((_, i) => i !== axis);
    return [makeTensor('int64', dims, out)];
  });
}

export const ops: OpRegistration[] = [
  reduceOp('ReduceSum', 13),
  ...['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'].map((op) => reduceOp(op, 18)),
  argOp('ArgMax'),
  argOp('ArgMin'),
];
