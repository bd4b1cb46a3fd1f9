// ReduceSum: sum over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceSum', 13, { init: 0, step: (a, v) => a + v, identityOnOne: true });
