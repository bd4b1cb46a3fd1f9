// Round: round half to even.
import { FLOAT_TYPES } from '../util/dtype.js';
import { roundHalfEven } from '../util/math.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Round', 11, FLOAT_TYPES, roundHalfEven);
