// PRelu: x < 0 ? x * slope : x, the slope broadcast to x.
import { binaryOp } from '../util/binary.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = binaryOp('PRelu', 7, (context, x, slope) =>
  mapBinary(context, x, slope, NUMERIC_TYPES, (v, s) => (v < 0 ? v * s : v), (v, s) => (v < 0n ? v * s : v)),
);
