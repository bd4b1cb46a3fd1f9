// Sqrt: square root element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Sqrt', 1, FLOAT_TYPES, Math.sqrt);
