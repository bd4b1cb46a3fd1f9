// Ceil: round toward +infinity.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Ceil', 1, FLOAT_TYPES, Math.ceil);
