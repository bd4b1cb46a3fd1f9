// Sign: -1, 0 or 1 element-wise (NaN stays NaN).
import { NUMERIC_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp(
  'Sign',
  9,
  NUMERIC_TYPES,
  (v) => (Number.isNaN(v) ? NaN : v > 0 ? 1 : v < 0 ? -1 : 0),
  (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n),
);
