// Mish: x * tanh(softplus(x)).
import { FLOAT_TYPES } from '../util/dtype.js';
import { softplus } from '../util/math.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Mish', 18, FLOAT_TYPES, (v) => v * Math.tanh(softplus(v)));
