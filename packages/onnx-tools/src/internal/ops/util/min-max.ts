// Element-wise max / min of two tensors; NaN wins, as numpy's maximum / minimum.
import type { Binary } from './binary.js';
import { NUMERIC_TYPES } from './dtype.js';
import { mapBinary } from './elementwise.js';

function maxOf(x: number, y: number): number {
  return x > y || Number.isNaN(x) ? x : y;
}

function minOf(x: number, y: number): number {
  return x < y || Number.isNaN(x) ? x : y;
}

export const maxBinary: Binary = (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, maxOf, (x, y) => (x > y ? x : y));
export const minBinary: Binary = (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, minOf, (x, y) => (x < y ? x : y));
