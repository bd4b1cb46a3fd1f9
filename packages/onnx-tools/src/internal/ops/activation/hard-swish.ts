// HardSwish: x * clamp(x / 6 + 0.5, 0, 1).
import { FLOAT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('HardSwish', 14, FLOAT_TYPES, (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5)));
