// Floor: round toward -infinity.
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Floor', 1, FLOAT_TYPES, Math.floor);
