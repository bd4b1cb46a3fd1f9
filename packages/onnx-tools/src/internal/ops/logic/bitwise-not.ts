// BitwiseNot: ~x for integer types.
import { INT_TYPES } from '../util/dtype.js';
import { unaryOp } from '../util/unary.js';

export const op = unaryOp('BitwiseNot', 18, INT_TYPES, (v) => ~v, (v) => ~v);
