// Softplus: log(1 + e^x).
import { FLOAT_TYPES } from '../util/dtype.js';
import { softplus } from '../util/math.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Softplus', 1, FLOAT_TYPES, softplus);
