// Data movement: Transpose, Concat, Split, Slice, Tile, DepthToSpace, SpaceToDepth.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intAttr, intsAttr, readInts, requireInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, makeTensor, sizeOf } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { copyRange, takeElements, viewIndex } from './util/indexing.js';
import { normalizeAxis, stridesOf } from './util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

export function transpose(x: Tensor, perm: readonly number[]): Tensor {
  const strides = stridesOf(x.dims);
  const outDims = perm.map((p) => x.dims[p]!);
  return takeElements(x, outDims, viewIndex(outDims, 0, perm.map((p) => strides[p]!)));
}

export function concat(context: OpContext, tensors: readonly Tensor[], axisAttribute: number): Tensor {
  const first = tensors[0]!;
  const axis = normalizeAxis(context, axisAttribute, first.dims.length);
  const outDims = [...first.dims];
  outDims[axis] = tensors.reduce((sum, t) => sum + t.dims[axis]!, 0);
  for (const t of tensors) {
    if (t.type !== first.type || t.dims.length !== first.dims.length || t.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw evaluateError(context, 'inputs do not match outside the concat axis', { expected: `${first.type} [${first.dims.join(',')}]`, found: `${t.type} [${t.dims.join(',')}]` });
    }
  }
  const outer = sizeOf(first.dims.slice(0, axis));
  const inner = sizeOf(first.dims.slice(axis + 1));
  const out = allocate(first.type, sizeOf(outDims));
  const outBlock = outDims[axis]! * inner;
  let offset = 0;
  for (const t of tensors) {
    const block = t.dims[axis]! * inner;
    for (let o = 0; o < outer; o++) copyRange(out, o * outBlock + offset, t.data, o * block, block);
    offset += block;
  }
  return makeTensor(first.type, outDims, out);
}

function split(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), x.dims.length);
  const extent = x.dims[axis]!;
  let sizes = context.opset >= 13 ? (inputs[1] ? readInts(inputs[1]) : undefined) : intsAttr(attributes, 'split');
  if (!sizes) {
    const parts = intAttr(attributes, 'num_outputs') ?? context.outputCount;
    const chunk = Math.ceil(extent / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, extent - i * chunk)));
  }
  if (sizes.reduce((a, b) => a + b, 0) !== extent) {
    throw evaluateError(context, 'split sizes do not add up to the axis extent', { expected: String(extent), found: sizes.join('+') });
  }
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const results: Tensor[] = [];
  let offset = 0;
  for (const size of sizes) {
    const dims = [...x.dims];
    dims[axis] = size;
    const out = allocate(x.type, sizeOf(dims));
    for (let o = 0; o < outer; o++) copyRange(out, o * size * inner, x.data, (o * extent + offset) * inner, size * inner);
    results.push(makeTensor(x.type, dims, out));
    offset += size;
  }
  return results;
}

/** Clamps start/end the way ONNX Slice does and returns the element count. */
export function sliceRange(start: number, end: number, step: number, extent: number): { start: number; count: number } {
  if (start < 0) start += extent;
  if (end < 0) end += extent;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), extent);
    end = Math.min(Math.max(end, 0), extent);
    return { start, count: Math.max(0, Math.ceil((end - start) / step)) };
  }
  start = Math.min(Math.max(start, 0), extent - 1);
  end = Math.min(Math.max(end, -1), extent - 1);
  return { start, count: Math.max(0, Math.ceil((end - start) / step)) };
}

function slice(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (context.opset >= 10) {
    starts = readInts(requireInput(context, inputs, 1));
    ends = readInts(requireInput(context, inputs, 2));
    axes = inputs[3] ? readInts(inputs[3]) : undefined;
    steps = inputs[4] ? readInts(inputs[4]) : undefined;
  } else {
    starts = intsAttr(attributes, 'starts') ?? [];
    ends = intsAttr(attributes, 'ends') ?? [];
    axes = intsAttr(attributes, 'axes');
  }
  const sliceStarts = new Array<number>(rank).fill(0);
  const sliceSteps = new Array<number>(rank).fill(1);
  const outDims = [...x.dims];
  starts.forEach((s, i) => {
    const axis = normalizeAxis(context, axes ? axes[i]! : i, rank);
    const step = steps ? steps[i]! : 1;
    if (step === 0) throw evaluateError(context, 'slice step cannot be 0');
    const r = sliceRange(s, ends[i]!, step, x.dims[axis]!);
    sliceStarts[axis] = r.start;
    sliceSteps[axis] = step;
    outDims[axis] = r.count;
  });
  const strides = stridesOf(x.dims);
  const base = sliceStarts.reduce((sum, s, i) => sum + s * strides[i]!, 0);
  return [takeElements(x, outDims, viewIndex(outDims, base, strides.map((s, i) => s * sliceSteps[i]!)))];
}

function tile(context: OpContext, x: Tensor, repeats: number[]): Tensor {
  const rank = x.dims.length;
  if (repeats.length !== rank) throw evaluateError(context, 'repeats must have one entry per axis', { expected: String(rank), found: String(repeats.length) });
  const outDims = x.dims.map((d, i) => d * repeats[i]!);
  const inStrides = stridesOf(x.dims);
  const total = sizeOf(outDims);
  const map = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < total; i++) {
    let offset = 0;
    for (let a = 0; a < rank; a++) offset += (index[a]! % x.dims[a]!) * inStrides[a]!;
    map[i] = offset;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outDims[a]!) break;
      index[a] = 0;
    }
  }
  return takeElements(x, outDims, map);
}

function depthToSpace(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const b = intAttr(attributes, 'blocksize', 1);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  const crd = stringAttr(attributes, 'mode', 'DCR') === 'CRD';
  if (x.dims.length !== 4 || c % (b * b) !== 0) throw evaluateError(context, 'needs NCHW input with C divisible by blocksize²', { found: `[${x.dims.join(',')}]` });
  const co = c / (b * b);
  // View as 6-D, then transpose: DCR [n,b,b,co,h,w] -> [n,co,h,b,w,b]; CRD [n,co,b,b,h,w] -> same.
  const view = crd ? [n, co, b, b, h, w] : [n, b, b, co, h, w];
  const perm = crd ? [0, 1, 4, 2, 5, 3] : [0, 3, 4, 1, 5, 2];
  const t = transpose({ ...x, dims: view }, perm);
  return { ...t, dims: [n, co, h * b, w * b] };
}

function spaceToDepth(context: OpContext, x: Tensor, attributes: Attributes): Tensor {
  const b = intAttr(attributes, 'blocksize', 1);
  const [n, c, h, w] = x.dims as [number, number, number, number];
  if (x.dims.length !== 4 || h % b !== 0 || w % b !== 0) throw evaluateError(context, 'needs NCHW input with H and W divisible by blocksize', { found: `[${x.dims.join(',')}]` });
  const t = transpose({ ...x, dims: [n, c, h / b, b, w / b, b] }, [0, 3, 5, 1, 2, 4]);
  return { ...t, dims: [n, c * b * b, h / b, w / b] };
}

export const ops: OpRegistration[] = [
  defineOp('Transpose', 1, (inputs, attributes, context) => {
    const x = requireInput(context, inputs, 0);
    const perm = intsAttr(attributes, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
    return [transpose(x, perm.map((p) => normalizeAxis(context, p, x.dims.length)))];
  }),
  defineOp('Concat', 4, (inputs, attributes, context) => [
    concat(context, inputs.filter((t): t is Tensor => t !== undefined), intAttr(attributes, 'axis', 0)),
  ]),
  defineOp('Split', 2, split),
  defineOp('Slice', 1, slice),
  defineOp('Tile', 6, (inputs, _a, context) => [tile(context, requireInput(context, inputs, 0), readInts(requireInput(context, inputs, 1)))]),
  defineOp('DepthToSpace', 1, (inputs, attributes, context) => [depthToSpace(context, requireInput(context, inputs, 0), attributes)]),
  defineOp('SpaceToDepth', 1, (inputs, attributes, context) => [spaceToDepth(context, requireInput(context, inputs, 0), attributes)]),
];
