// Sum: element-wise sum of any number of broadcast inputs.
import { variadicOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = variadicOp('Sum', 8, (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, (x, y) => x + y, (x, y) => x + y));
