// ReduceMin: minimum over the reduced axes (NaN propagates).
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceMin', 18, {
  init: Infinity,
  step: (a, v) => (v < a || Number.isNaN(v) ? v : a),
  identityOnOne: true,
  acceptsBool: true,
});
