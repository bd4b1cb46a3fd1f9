// Softsign: x / (1 + |x|).
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Softsign', 1, FLOAT_TYPES, (v) => v / (1 + Math.abs(v)));
