// IsInf: true where x is +infinity (detect_positive) or -infinity (detect_negative).
import { intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { FLOAT8_TYPES, FLOAT_TYPES } from '../util/dtype.js';
import { mapUnary } from '../util/elementwise.js';

export const op = defineOp('IsInf', 10, (inputs, attributes, context) => {
  const negative = intAttr(attributes, 'detect_negative', 1) === 1;
  const positive = intAttr(attributes, 'detect_positive', 1) === 1;
  const fn = (v: number) => ((v === Infinity && positive) || (v === -Infinity && negative) ? 1 : 0);
  return [mapUnary(context, requireInput(context, inputs, 0), [...FLOAT_TYPES, ...FLOAT8_TYPES], fn, undefined, 'bool')];
});
