// Relu: max(x, 0).
import { SIGNED_NUMERIC_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('Relu', 1, SIGNED_NUMERIC_TYPES, (v) => (v > 0 ? v : 0), (v) => (v > 0n ? v : 0n));
