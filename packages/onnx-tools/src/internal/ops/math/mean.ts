// Mean: element-wise mean of any number of broadcast inputs.
import { variadicOp } from '../util/binary.js';
import { FLOAT_TYPES, NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary, mapUnary } from '../util/elementwise.js';

export const op = variadicOp(
  'Mean',
  8,
  (context, a, b) => mapBinary(context, a, b, NUMERIC_TYPES, (x, y) => x + y, (x, y) => x + y),
  (context, t, count) => mapUnary(context, t, FLOAT_TYPES, (x) => x / count),
);
