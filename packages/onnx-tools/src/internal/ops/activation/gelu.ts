// Gelu: x * Phi(x) exactly (erf), or the tanh approximation when approximate='tanh'.
import { stringAttr } from '../util/attributes.js';
import { erf } from '../util/math.js';
import { activationOp } from '../util/unary.js';

export const op = activationOp('Gelu', 20, (attributes) =>
  stringAttr(attributes, 'approximate', 'none') === 'tanh'
    ? (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
    : (v) => 0.5 * v * (1 + erf(v / Math.SQRT2)),
);
