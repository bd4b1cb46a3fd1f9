// Elu: x >= 0 ? x : alpha * (e^x - 1).
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Elu', 6, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 1);
  return (v) => (v >= 0 ? v : alpha * Math.expm1(v));
});
