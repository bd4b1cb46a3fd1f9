// Exp: e^x element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Exp', 1, FLOAT_TYPES, Math.exp);
