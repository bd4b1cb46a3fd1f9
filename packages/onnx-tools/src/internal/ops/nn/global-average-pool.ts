// GlobalAveragePool: the mean over all spatial positions.
import { defineOp } from '../util/define.js';
import { globalPool } from '../util/pool.js';

export const op = defineOp('GlobalAveragePool', 1, globalPool('average'));
