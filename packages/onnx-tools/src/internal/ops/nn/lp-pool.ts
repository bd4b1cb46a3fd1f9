// LpPool: the p-norm of each window.
import { defineOp } from '../util/define.js';
import { poolOp } from '../util/pool.js';

export const op = defineOp('LpPool', 1, poolOp('lp'));
