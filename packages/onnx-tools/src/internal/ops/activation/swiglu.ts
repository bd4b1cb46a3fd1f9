// SwiGLU (opset 28): Swish(a, alpha) * b, broadcast.
import { floatAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { FLOAT_TYPES } from '../util/dtype.js';
import { mapBinary } from '../util/elementwise.js';

export const op = defineOp('SwiGLU', 28, (inputs, attributes, context) => {
  const alpha = floatAttr(attributes, 'alpha', 1);
  const swish = (v: number) => {
    const t = alpha * v;
    return v * (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
  };
  return [mapBinary(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1), FLOAT_TYPES, (a, b) => swish(a) * b)];
});
