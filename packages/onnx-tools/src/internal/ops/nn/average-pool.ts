// AveragePool: the mean of each window (count_include_pad decides the divisor).
import { defineOp } from '../util/define.js';
import { poolOp } from '../util/pool.js';

export const op = defineOp('AveragePool', 1, poolOp('average'));
