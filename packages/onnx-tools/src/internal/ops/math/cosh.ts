// Cosh element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Cosh', 9, FLOAT_TYPES, Math.cosh);
