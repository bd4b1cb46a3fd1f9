// Gather, GatherElements, GatherND, Scatter/ScatterElements, ScatterND.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { intAttr, readInts, requireInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { allocate, fromNumbers, makeTensor, sizeOf, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { copyRange, takeElements } from './util/indexing.js';
import { normalizeAxis, stridesOf } from './util/shape.js';

type Inputs = readonly (Tensor | undefined)[];

function checkedIndex(context: OpContext, index: number, extent: number): number {
  const i = index < 0 ? index + extent : index;
  if (i < 0 || i >= extent) throw evaluateError(context, 'index out of range', { expected: `[${-extent}, ${extent - 1}]`, found: String(index) });
  return i;
}

function gather(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indicesTensor = requireInput(context, inputs, 1);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  const indices = readInts(indicesTensor);
  const outer = sizeOf(data.dims.slice(0, axis));
  const extent = data.dims[axis]!;
  const inner = sizeOf(data.dims.slice(axis + 1));
  const outDims = [...data.dims.slice(0, axis), ...indicesTensor.dims, ...data.dims.slice(axis + 1)];
  const out = allocate(data.type, sizeOf(outDims));
  let offset = 0;
  for (let o = 0; o < outer; o++) {
    for (const index of indices) {
      copyRange(out, offset, data.data, (o * extent + checkedIndex(context, index, extent)) * inner, inner);
      offset += inner;
    }
  }
  return [makeTensor(data.type, outDims, out)];
}

/** Flat data offset for every element of `indices` along `axis` (GatherElements/ScatterElements). */
function elementOffsets(context: OpContext, dataDims: readonly number[], indices: Tensor, axis: number): Int32Array {
  const values = readInts(indices);
  const dataStrides = stridesOf(dataDims);
  const rank = indices.dims.length;
  const out = new Int32Array(values.length);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < values.length; i++) {
    let offset = 0;
    for (let a = 0; a < rank; a++) {
      const coordinate = a === axis ? checkedIndex(context, values[i]!, dataDims[a]!) : index[a]!;
      offset += coordinate * dataStrides[a]!;
    }
    out[i] = offset;
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < indices.dims[a]!) break;
      index[a] = 0;
    }
  }
  return out;
}

function gatherElements(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  return [takeElements(data, indices.dims, elementOffsets(context, data.dims, indices, axis))];
}

/** For GatherND/ScatterND: the data offset of every index tuple, plus the slice size. */
function tupleOffsets(context: OpContext, dataDims: readonly number[], indices: Tensor, batchDims: number): { offsets: Int32Array; slice: number; tuples: number } {
  const values = readInts(indices);
  const depth = indices.dims[indices.dims.length - 1]!;
  const tuples = values.length / Math.max(depth, 1);
  const strides = stridesOf(dataDims);
  const slice = sizeOf(dataDims.slice(batchDims + depth));
  const batchCount = sizeOf(dataDims.slice(0, batchDims));
  const perBatch = tuples / Math.max(batchCount, 1);
  const offsets = new Int32Array(tuples);
  const batchStride = batchDims > 0 ? strides[batchDims - 1]! : 0;
  for (let t = 0; t < tuples; t++) {
    let offset = batchDims > 0 ? Math.floor(t / perBatch) * batchStride : 0;
    for (let k = 0; k < depth; k++) offset += checkedIndex(context, values[t * depth + k]!, dataDims[batchDims + k]!) * strides[batchDims + k]!;
    offsets[t] = offset;
  }
  return { offsets, slice, tuples };
}

function gatherND(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const batchDims = intAttr(attributes, 'batch_dims', 0);
  const depth = indices.dims[indices.dims.length - 1]!;
  const { offsets, slice, tuples } = tupleOffsets(context, data.dims, indices, batchDims);
  const outDims = [...indices.dims.slice(0, -1), ...data.dims.slice(batchDims + depth)];
  const out = allocate(data.type, tuples * slice);
  for (let t = 0; t < tuples; t++) copyRange(out, t * slice, data.data, offsets[t]!, slice);
  return [makeTensor(data.type, outDims, out)];
}

function combiner(context: OpContext, reduction: string): ((a: number, b: number) => number) | undefined {
  switch (reduction) {
    case 'none': return undefined;
    case 'add': return (a, b) => a + b;
    case 'mul': return (a, b) => a * b;
    case 'max': return Math.max;
    case 'min': return Math.min;
    default: throw evaluateError(context, 'unknown reduction', { expected: 'none, add, mul, max, min', found: reduction });
  }
}

/** Writes `updates` into a copy of `data` at `offsets` (each a run of `run` elements). */
function scatter(context: OpContext, data: Tensor, updates: Tensor, offsets: Int32Array, run: number, reduction: string): Tensor {
  const combine = combiner(context, reduction);
  if (!combine) {
    const out = data.data.slice() as Tensor['data'];
    for (let t = 0; t < offsets.length; t++) copyRange(out, offsets[t]!, updates.data, t * run, run);
    return makeTensor(data.type, data.dims, out as never);
  }
  const values = Float64Array.from(toNumbers(data));
  const updateValues = toNumbers(updates);
  for (let t = 0; t < offsets.length; t++) {
    for (let i = 0; i < run; i++) values[offsets[t]! + i] = combine(values[offsets[t]! + i]!, updateValues[t * run + i]!);
  }
  return fromNumbers(data.type, data.dims, values);
}

function scatterElements(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const updates = requireInput(context, inputs, 2);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', 0), data.dims.length);
  const offsets = elementOffsets(context, data.dims, indices, axis);
  return [scatter(context, data, updates, offsets, 1, stringAttr(attributes, 'reduction', 'none'))];
}

function scatterND(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const data = requireInput(context, inputs, 0);
  const indices = requireInput(context, inputs, 1);
  const updates = requireInput(context, inputs, 2);
  const { offsets, slice } = tupleOffsets(context, data.dims, indices, 0);
  return [scatter(context, data, updates, offsets, slice, stringAttr(attributes, 'reduction', 'none'))];
}

export const ops: OpRegistration[] = [
  defineOp('Gather', 1, gather),
  defineOp('GatherElements', 11, gatherElements),
  defineOp('GatherND', 11, gatherND),
  defineOp('Scatter', 9, scatterElements, 10),
  defineOp('ScatterElements', 11, scatterElements),
  defineOp('ScatterND', 11, scatterND),
];
