// Momentum: g = G + norm_coefficient * X; V' = alpha * V + (T > 0 ? beta : 1) * g;
// X' = X - R * V' ('standard') or X - R * (g + alpha * V') ('nesterov').
import { floatAttr, stringAttr } from '../util/attributes.js';
import { optimizerOp } from '../util/optimizer.js';

export const op = optimizerOp('Momentum', 3, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 0);
  const beta = floatAttr(attributes, 'beta', 0);
  const norm = floatAttr(attributes, 'norm_coefficient', 0);
  const nesterov = stringAttr(attributes, 'mode', 'standard') === 'nesterov';
  return ([x, g, v], rate, step) => {
    const gradient = norm * x! + g!;
    const velocity = alpha * v! + (step > 0 ? beta : 1) * gradient;
    return [x! - rate * (nesterov ? gradient + alpha * velocity : velocity), velocity];
  };
});
