// LeakyRelu: x >= 0 ? x : alpha * x.
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('LeakyRelu', 6, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 0.01);
  return (v) => (v >= 0 ? v : alpha * v);
});
