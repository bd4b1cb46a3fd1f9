// ReduceProd: product over the reduced axes.
import { reduceOp } from '../util/reduce.js';

export const op = reduceOp('ReduceProd', 18, { init: 1, step: (a, v) => a * v, identityOnOne: true });
