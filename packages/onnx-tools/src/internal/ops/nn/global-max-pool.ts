// GlobalMaxPool: the maximum over all spatial positions.
import { defineOp } from '../util/define.js';
import { globalPool } from '../util/pool.js';

export const op = defineOp('GlobalMaxPool', 1, globalPool('max'));
