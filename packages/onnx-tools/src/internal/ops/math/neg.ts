// Neg: -x element-wise (signed types only).
import { SIGNED_NUMERIC_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Neg', 1, SIGNED_NUMERIC_TYPES, (v) => -v, (v) => -v);
