// ReduceLogSum: log(sum(x)) over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceLogSum', 18, { init: 0, step: (a, v) => a + v, finish: (a) => Math.log(a) });
