// Equal: A == B element-wise (numbers, bigints, strings, bool).
import { comparisonOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';

export const op = comparisonOp('Equal', 7, [...NUMERIC_TYPES, 'bool', 'string'], (x, y) => x === y);
