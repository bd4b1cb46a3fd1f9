// ReduceL1: sum of |x| over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceL1', 18, { init: 0, step: (a, v) => a + Math.abs(v) });
