// Sinh element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Sinh', 9, FLOAT_TYPES, Math.sinh);
