// Less: A < B element-wise.
import { comparisonOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';

export const op = comparisonOp('Less', 7, NUMERIC_TYPES, (x, y) => x < y);
