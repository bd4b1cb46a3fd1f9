// Adagrad: r = R / (1 + T * decay_factor); g = G + norm_coefficient * X; H' = H + g^2;
// X' = X - r * g / (sqrt(H') + epsilon).
import { floatAttr } from '../util/attributes.js';
import { optimizerOp } from '../util/optimizer.js';

export const op = optimizerOp('Adagrad', 3, (attributes) => {
  const decay = floatAttr(attributes, 'decay_factor', 0);
  const epsilon = floatAttr(attributes, 'epsilon', 1e-6);
  const norm = floatAttr(attributes, 'norm_coefficient', 0);
  return ([x, g, h], rate, step) => {
    const r = rate / (1 + step * decay);
    const gradient = norm * x! + g!;
    const accumulated = h! + gradient * gradient;
    return [x! - (r * gradient) / (Math.sqrt(accumulated) + epsilon), accumulated];
  };
});
