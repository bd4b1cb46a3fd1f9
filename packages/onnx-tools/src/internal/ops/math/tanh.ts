// Tanh element-wise.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Tanh', 1, FLOAT_TYPES, Math.tanh);
