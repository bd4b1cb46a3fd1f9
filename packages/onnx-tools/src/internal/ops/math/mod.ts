// Mod: fmod=1 is C fmod (sign of the dividend); fmod=0 is Python % (sign of the divisor), integers only.
import { binaryOp } from '../util/binary.js';
import { intAttr } from '../util/attributes.js';
import { INT_TYPES, isFloatType, NUMERIC_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';
import { evaluateError } from '../util/errors.js';

export const op = binaryOp('Mod', 10, (context, a, b, attributes) => {
  const fmod = intAttr(attributes, 'fmod', 0) === 1;
  if (fmod) return mapBinary(context, a, b, NUMERIC_TYPES, (x, y) => x % y, (x, y) => (y === 0n ? 0n : x % y));
  if (isFloatType(a.type)) {
    throw evaluateError(context, 'fmod=0 is defined for integer inputs only', { expected: 'fmod=1 for floating point', found: a.type });
  }
  return mapBinary(
    context, a, b, INT_TYPES,
    (x, y) => (y === 0 ? 0 : ((x % y) + y) % y),
    (x, y) => (y === 0n ? 0n : ((x % y) + y) % y),
  );
});
