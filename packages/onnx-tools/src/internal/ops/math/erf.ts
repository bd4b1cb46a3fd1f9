// Erf: the error function element-wise.
import { FLOAT_TYPES, INT_TYPES } from '../util/dtype.js';
import { erf } from '../util/math.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Erf', 9, [...FLOAT_TYPES, ...INT_TYPES], erf);
