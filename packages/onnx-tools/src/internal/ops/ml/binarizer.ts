// Binarizer (ai.onnx.ml): 1 where x > threshold, else 0, in x's type.
import { floatAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { NUMERIC_TYPES } from '../util/dtype.js';
import { mapUnary } from '../util/elementwise.js';

export const op = defineOp(
  'Binarizer',
  1,
  (inputs, attributes, context) => {
    const threshold = floatAttr(attributes, 'threshold', 0);
    return [mapUnary(context, requireInput(context, inputs, 0), NUMERIC_TYPES, (v) => (v > threshold ? 1 : 0))];
  },
  Infinity,
  'ai.onnx.ml',
);
