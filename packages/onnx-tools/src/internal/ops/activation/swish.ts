// Swish (opset 24): x * sigmoid(alpha * x).
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Swish', 24, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 1);
  return (v) => {
    const t = alpha * v;
    return v * (t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t)));
  };
});
