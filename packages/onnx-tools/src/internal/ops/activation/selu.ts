// Selu: gamma * (x > 0 ? x : alpha * (e^x - 1)).
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Selu', 6, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 1.6732631921768188);
  const gamma = floatAttr(attributes, 'gamma', 1.0507010221481323);
  return (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v));
});
