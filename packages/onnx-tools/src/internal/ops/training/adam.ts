// Adam: g = G + norm_coefficient * X; V' = alpha V + (1 - alpha) g; H' = beta H + (1 - beta) g^2;
// r = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R; X' = (1 - norm_coefficient_post) *
// (X - r * V' / (sqrt(H') + epsilon)).
import { floatAttr } from '../util/attributes.js';
import { optimizerOp } from '../util/optimizer.js';

export const op = optimizerOp('Adam', 4, (attributes) => {
  const alpha = floatAttr(attributes, 'alpha', 0.9);
  const beta = floatAttr(attributes, 'beta', 0.999);
  const epsilon = floatAttr(attributes, 'epsilon', 1e-6);
  const norm = floatAttr(attributes, 'norm_coefficient', 0);
  const normPost = floatAttr(attributes, 'norm_coefficient_post', 0);
  return ([x, g, v, h], rate, step) => {
    const gradient = norm * x! + g!;
    const first = alpha * v! + (1 - alpha) * gradient;
    const second = beta * h! + (1 - beta) * gradient * gradient;
    const r = step > 0 ? (rate * Math.sqrt(1 - beta ** step)) / (1 - alpha ** step) : rate;
    const updated = x! - (r * first) / (Math.sqrt(second) + epsilon);
    return [(1 - normPost) * updated, first, second];
  };
});
