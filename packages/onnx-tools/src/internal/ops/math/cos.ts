// Cos element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Cos', 7, FLOAT_TYPES, Math.cos);
