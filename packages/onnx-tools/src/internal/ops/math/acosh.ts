// Acosh element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Acosh', 9, FLOAT_TYPES, Math.acosh);
