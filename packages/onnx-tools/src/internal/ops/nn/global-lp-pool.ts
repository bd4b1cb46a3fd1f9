// GlobalLpPool: the p-norm over all spatial positions.
import { defineOp } from '../util/define.js';
import { globalPool } from '../util/pool.js';

export const op = defineOp('GlobalLpPool', 1, globalPool('lp'));
