// Shape helpers: strides, axis normalisation, numpy broadcasting.
import type { OpContext } from '../contract.js';
import { evaluateError } from './errors.js';

export function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  let stride = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= dims[i]!;
  }
  return strides;
}

/** Resolves a possibly negative axis against `rank`; throws ERR_EVALUATE when out of range. */
export function normalizeAxis(context: OpContext, axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (resolved < 0 || resolved >= rank) {
    throw evaluateError(context, 'axis out of range', { expected: `an axis in [${-rank}, ${rank - 1}]`, found: String(axis) });
  }
  return resolved;
}

/** The numpy broadcast of several shapes; throws ERR_EVALUATE when they are incompatible. */
export function broadcastShapes(context: OpContext, shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    for (let i = 0; i < shape.length; i++) {
      const axis = rank - shape.length + i;
      const d = shape[i]!;
      const current = out[axis]!;
      if (d === current || d === 1) continue;
      if (current === 1) out[axis] = d;
      else {
        throw evaluateError(context, 'shapes cannot be broadcast', {
          expected: 'numpy-broadcastable shapes',
          found: shapes.map((s) => `[${s.join(',')}]`).join(' and '),
        });
      }
    }
  }
  return out;
}

/**
 * For every element of `outDims` (row-major), the flat index of the element of a tensor of
 * `inDims` that broadcasts to it. Returns undefined when the shapes are equal (identity).
 */
export function broadcastIndex(outDims: readonly number[], inDims: readonly number[]): Int32Array | undefined {
  if (outDims.length === inDims.length && outDims.every((d, i) => d === inDims[i])) return undefined;
  const rank = outDims.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = inDims.length - 1; i >= 0; i--) {
    const axis = i + rank - inDims.length;
    strides[axis] = inDims[i] === 1 ? 0 : stride;
    stride *= inDims[i]!;
  }
  let total = 1;
  for (const d of outDims) total *= d;
  const map = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  let offset = 0;
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

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
