// ReduceSumSquare: sum(x^2) over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceSumSquare', 18, { init: 0, step: (a, v) => a + v * v });
