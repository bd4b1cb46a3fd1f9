// Celu: max(0, x) + min(0, alpha * (e^(x / alpha) - 1)).
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Celu', 12, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 1);
  return (v) => Math.max(0, v) + Math.min(0, alpha * Math.expm1(v / alpha));
});
