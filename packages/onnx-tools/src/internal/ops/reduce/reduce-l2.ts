// ReduceL2: sqrt(sum(x^2)) over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceL2', 18, { init: 0, step: (a, v) => a + v * v, finish: (a) => Math.sqrt(a) });
