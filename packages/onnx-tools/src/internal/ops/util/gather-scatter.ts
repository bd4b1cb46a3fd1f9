// Index arithmetic shared by the Gather* and Scatter* ops.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { readInts } from './attributes.js';
import { fromNumbers, makeTensor, sizeOf, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';
import { copyRange } from './indexing.js';
import { stridesOf } from './shape.js';

export function checkedIndex(context: OpContext, index: number, extent: number): number {
  const i = index < 0 ? index + extent : index;
  if (i < 0 || i >= extent) throw evaluateError(context, 'index out of range', { expected: `[${-extent}, ${extent - 1}]`, found: String(index) });
  return i;
}

/** Flat data offset for every element of `indices` along `axis` (GatherElements/ScatterElements). */
export function elementOffsets(context: OpContext, dataDims: readonly number[], indices: Tensor, axis: number): Int32Array {
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

/** For GatherND/ScatterND: the data offset of every index tuple, plus the slice size. */
export function tupleOffsets(context: OpContext, dataDims: readonly number[], indices: Tensor, batchDims: number): { offsets: Int32Array; slice: number; tuples: number } {
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
export function scatter(context: OpContext, data: Tensor, updates: Tensor, offsets: Int32Array, run: number, reduction: string): Tensor {
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

