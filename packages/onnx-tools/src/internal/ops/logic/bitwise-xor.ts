// BitwiseXor: A ^ B for integer types, broadcast.
import { binaryOp } from '../util/binary.js';
import { INT_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = binaryOp('BitwiseXor', 18, (context, a, b) => mapBinary(context, a, b, INT_TYPES, (x, y) => x ^ y, (x, y) => x ^ y));
