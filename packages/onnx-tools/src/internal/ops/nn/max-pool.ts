// MaxPool: the maximum of each window, plus the flat index of where it was (Indices).
import { defineOp } from '../util/define.js';
import { poolOp } from '../util/pool.js';

export const op = defineOp('MaxPool', 1, poolOp('max'));
