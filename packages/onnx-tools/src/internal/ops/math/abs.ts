// Abs: |x| element-wise.
import { NUMERIC_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Abs', 1, NUMERIC_TYPES, Math.abs, (v) => (v < 0n ? -v : v));
