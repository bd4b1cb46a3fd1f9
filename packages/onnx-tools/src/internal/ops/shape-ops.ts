// Ops that only change shape metadata or produce shapes: Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Shape, Size, Expand, Constant, ConstantOfShape, Range, EyeLike.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, readInts, requireInput, stringAttr, stringsAttr, tensorAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, fromNumbers, makeTensor, sizeOf, toNumbers, typeFromOnnx } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { takeElements, withDims } from './util/indexing.js';
import { broadcastIndex, broadcastShapes, normalizeAxis } from './util/shape.js';

function int64Tensor(dims: readonly number[], values: readonly number[]): Tensor {
  return makeTensor('int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
}

function reshapeDims(context: OpContext, input: readonly number[], requested: readonly number[], allowZero: boolean): number[] {
  const dims = requested.map((d, i) => (d === 0 && !allowZero ? input[i]! : d));
  const inferred = dims.indexOf(-1);
  if (inferred >= 0) {
    const known = dims.reduce((p, d, i) => (i === inferred ? p : p * d), 1);
    dims[inferred] = known === 0 ? 0 : sizeOf(input) / known;
  }
  if (sizeOf(dims) !== sizeOf(input) || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw evaluateError(context, 'cannot reshape', { expected: `a shape with ${sizeOf(input)} elements`, found: `[${requested.join(',')}] for input [${input.join(',')}]` });
  }
  return dims;
}

function axesOf(inputs: readonly (Tensor | undefined)[], index: number, attributes: Attributes, context: OpContext, inputSince: number): number[] | undefined {
  if (context.opset >= inputSince) {
    const t = inputs[index];
    return t ? readInts(t) : undefined;
  }
  return intsAttr(attributes, 'axes');
}

function squeeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = axesOf(inputs, 1, attributes, context, 13)?.map((a) => normalizeAxis(context, a, x.dims.length));
  const dims = x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1));
  if (axes?.some((a) => x.dims[a] !== 1)) {
    throw evaluateError(context, 'cannot squeeze an axis whose extent is not 1', { found: `[${x.dims.join(',')}] axes ${axes.join(',')}` });
  }
  return [withDims(x, dims)];
}

function unsqueeze(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = axesOf(inputs, 1, attributes, context, 13) ?? [];
  const rank = x.dims.length + axes.length;
  const normalized = axes.map((a) => normalizeAxis(context, a, rank));
  const dims: number[] = [];
  let next = 0;
  for (let i = 0; i < rank; i++) dims.push(normalized.includes(i) ? 1 : x.dims[next++]!);
  return [withDims(x, dims)];
}

function constantValue(attributes: Attributes, context: OpContext): Tensor {
  const value = tensorAttr(attributes, 'value');
  if (value) return value;
  const f = floatAttr(attributes, 'value_float');
  if (f !== undefined && attributes.has('value_float')) return makeTensor('float32', [], Float32Array.of(f));
  const fs = floatsAttr(attributes, 'value_floats');
  if (fs) return makeTensor('float32', [fs.length], Float32Array.from(fs));
  const i = intAttr(attributes, 'value_int');
  if (i !== undefined) return int64Tensor([], [i]);
  const is = intsAttr(attributes, 'value_ints');
  if (is) return int64Tensor([is.length], is);
  const s = stringAttr(attributes, 'value_string');
  if (s !== undefined) return makeTensor('string', [], [s]);
  const ss = stringsAttr(attributes, 'value_strings');
  if (ss) return makeTensor('string', [ss.length], [...ss]);
  throw evaluateError(context, 'Constant has no supported value attribute', { expected: 'value, value_float(s), value_int(s) or value_string(s)' });
}

function range(context: OpContext, start: Tensor, limit: Tensor, delta: Tensor): Tensor {
  const [s, l, d] = [toNumbers(start)[0]!, toNumbers(limit)[0]!, toNumbers(delta)[0]!];
  const count = Math.max(Math.ceil((l - s) / d), 0);
  if (!Number.isFinite(count)) throw evaluateError(context, 'Range has no finite length', { found: `start ${s}, limit ${l}, delta ${d}` });
  const values = new Float64Array(count);
  if (start.type === 'float32') {
    // Accumulate in float32 as the spec's reference loop does.
    const acc = new Float32Array(1);
    acc[0] = s;
    for (let i = 0; i < count; i++, acc[0] = acc[0]! + d) values[i] = acc[0]!;
  } else for (let i = 0; i < count; i++) values[i] = s + i * d;
  return fromNumbers(start.type, [count], values);
}

function eyeLike(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const dtype = intAttr(attributes, 'dtype');
  const type = dtype === undefined ? x.type : typeFromOnnx(dtype);
  if (!type || x.dims.length !== 2) throw evaluateError(context, 'EyeLike needs a 2-D input and a known dtype', { found: `[${x.dims.join(',')}] dtype ${dtype}` });
  const k = intAttr(attributes, 'k', 0);
  const [rows, cols] = [x.dims[0]!, x.dims[1]!];
  const values = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) if (r + k >= 0 && r + k < cols) values[r * cols + r + k] = 1;
  return fromNumbers(type, x.dims, values);
}

export const ops: OpRegistration[] = [
  defineOp('Identity', 1, (inputs) => [inputs[0]]),
  defineOp('Reshape', 5, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const shape = readInts(requireInput(context, inputs, 1));
    return [withDims(x, reshapeDims(context, x.dims, shape, intAttr(attributes, 'allowzero', 0) === 1))];
  }),
  defineOp('Flatten', 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const rank = x.dims.length;
    let axis = intAttr(attributes, 'axis', 1);
    if (axis < 0) axis += rank;
    if (axis < 0 || axis > rank) throw evaluateError(context, 'axis out of range', { expected: `[${-rank}, ${rank}]`, found: String(axis) });
    return [withDims(x, [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))])];
  }),
  defineOp('Squeeze', 1, squeeze),
  defineOp('Unsqueeze', 1, unsqueeze),
  defineOp('Shape', 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const rank = x.dims.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
    const start = clamp(intAttr(attributes, 'start', 0));
    const end = clamp(intAttr(attributes, 'end', rank));
    const dims = x.dims.slice(start, Math.max(start, end));
    return [int64Tensor([dims.length], dims)];
  }),
  defineOp('Size', 1, (inputs, _a, context) => [int64Tensor([], [sizeOf(requireInput(context, inputs, 0).dims)])]),
  defineOp('Expand', 8, (inputs, _a, context) => {
    const x = requireInput(context, inputs, 0);
    const dims = broadcastShapes(context, [x.dims, readInts(requireInput(context, inputs, 1))]);
    const map = broadcastIndex(dims, x.dims);
    return [map ? takeElements(x, dims, map) : withDims(x, dims)];
  }),
  defineOp('Constant', 1, (_inputs, attributes, context) => [constantValue(attributes, context)]),
  defineOp('ConstantOfShape', 9, (inputs, attributes, context) => {
    const dims = readInts(requireInput(context, inputs, 0));
    const value = tensorAttr(attributes, 'value') ?? makeTensor('float32', [1], new Float32Array(1));
    const data = allocate(value.type, sizeOf(dims)) as unknown as { fill(v: unknown): void };
    data.fill(value.data[0]);
    return [makeTensor(value.type, dims, data as never)];
  }),
  defineOp('Range', 11, (inputs, _a, context) => [
    range(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), requireInput(context, inputs, 2)),
  ]),
  defineOp('EyeLike', 9, (inputs, attributes, context) => [eyeLike(context, requireInput(context, inputs, 0), attributes)]),
];

