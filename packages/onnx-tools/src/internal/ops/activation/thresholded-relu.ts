// ThresholdedRelu: x > alpha ? x : 0.
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('ThresholdedRelu', 10, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 1);
  return (v) => (v > alpha ? v : 0);
});
