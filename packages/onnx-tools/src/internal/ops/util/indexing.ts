// Index maps for data-movement ops: each op computes, for every output element, which input
// element it copies, then one generic gather copies the data for any element type.
import type { Tensor, TensorType } from '../../../tensor.js';
import { allocate, type AnyArray, makeTensor } from './dtype.js';

type Elements = { [index: number]: unknown; length: number };

/** out[i] = data[map[i]] for any element type. */
export function gatherByMap(type: TensorType, data: AnyArray, map: ArrayLike<number>): AnyArray {
  const out = allocate(type, map.length) as unknown as Elements;
  const source = data as unknown as Elements;
  for (let i = 0; i < map.length; i++) out[i] = source[map[i]!];
  return out as unknown as AnyArray;
}

/** A tensor of `dims` whose elements are `tensor`'s elements at `map`. */
export function takeElements(tensor: Tensor, dims: readonly number[], map: ArrayLike<number>): Tensor {
  return makeTensor(tensor.type, dims, gatherByMap(tensor.type, tensor.data, map) as never);
}

/**
 * Flat input offsets of a strided view: element `[i0, i1, ...]` of the `outDims` view reads
 * input offset `base + Σ ik * strides[k]`.
 */
export function viewIndex(outDims: readonly number[], base: number, strides: readonly number[]): Int32Array {
  const rank = outDims.length;
  let total = 1;
  for (const d of outDims) total *= d;
  const map = new Int32Array(total);
  if (total === 0) return map;
  const index = new Array<number>(rank).fill(0);
  let offset = base;
  for (let i = 0; i < total; i++) {
    map[i] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      offset += strides[axis]!;
      if (index[axis]! < outDims[axis]!) break;
      offset -= strides[axis]! * outDims[axis]!;
      index[axis] = 0;
    }
  }
  return map;
}

/** Copies `count` elements of `source` from `from` into `target` at `to` (any element type). */
export function copyRange(target: AnyArray, to: number, source: AnyArray, from: number, count: number): void {
  if (Array.isArray(target)) {
    for (let i = 0; i < count; i++) target[to + i] = (source as string[])[from + i]!;
  } else if (from === 0 && count === source.length) {
    (target as Float32Array).set(source as Float32Array, to);
  } else {
    (target as Float32Array).set((source as Float32Array).subarray(from, from + count), to);
  }
}

/** A copy of a tensor with new dims (same elements). */
export function withDims(tensor: Tensor, dims: readonly number[]): Tensor {
  return makeTensor(tensor.type, dims, tensor.data.slice() as never);
}
