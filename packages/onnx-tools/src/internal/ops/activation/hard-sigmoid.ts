// HardSigmoid: clamp(alpha * x + beta, 0, 1).
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('HardSigmoid', 6, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 0.2);
  const beta = floatAttr(attributes, 'beta', 0.5);
  return (v) => Math.max(0, Math.min(1, alpha * v + beta));
});
