// ReduceMean: mean over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceMean', 18, { init: 0, step: (a, v) => a + v, finish: (a, n) => a / n, identityOnOne: true });
