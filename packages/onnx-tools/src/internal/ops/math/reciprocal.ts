// Reciprocal: 1 / x element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Reciprocal', 1, FLOAT_TYPES, (v) => 1 / v);
