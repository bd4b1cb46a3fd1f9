// BitShift: unsigned integers shifted LEFT or RIGHT by B bits.
import { binaryOp } from '../util/binary.js';
import { stringAttr } from '../util/attributes.js';
import { UNSIGNED_INT_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = binaryOp('BitShift', 11, (context, a, b, attributes) => {
  const left = stringAttr(attributes, 'direction', 'LEFT') === 'LEFT';
  if (left) return mapBinary(context, a, b, UNSIGNED_INT_TYPES, (x, y) => (y >= 32 ? 0 : x * 2 ** y), (x, y) => x << y);
  return mapBinary(context, a, b, UNSIGNED_INT_TYPES, (x, y) => Math.floor(x / 2 ** y), (x, y) => x >> y);
});
