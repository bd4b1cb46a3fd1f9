// Shrink: x < -lambd ? x + bias : x > lambd ? x - bias : 0.
import { floatAttr } from '../util/attributes.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Shrink', 9, (attributes) => {
  const lambd = floatAttr(attributes, 'lambd', 0.5);
  const bias = floatAttr(attributes, 'bias', 0);
  return (v) => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);
});
