// Tan element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Tan', 7, FLOAT_TYPES, Math.tan);
