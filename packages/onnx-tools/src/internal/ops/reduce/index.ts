// The reduce ops (Reduce* and ArgMax/ArgMin): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as argMax } from './arg-max.js';
import { op as argMin } from './arg-min.js';
import { op as reduceL1 } from './reduce-l1.js';
import { op as reduceL2 } from './reduce-l2.js';
import { op as reduceLogSum } from './reduce-log-sum.js';
import { op as reduceLogSumExp } from './reduce-log-sum-exp.js';
import { op as reduceMax } from './reduce-max.js';
import { op as reduceMean } from './reduce-mean.js';
import { op as reduceMin } from './reduce-min.js';
import { op as reduceProd } from './reduce-prod.js';
import { op as reduceSum } from './reduce-sum.js';
import { op as reduceSumSquare } from './reduce-sum-square.js';

export const REDUCE_OPS: readonly OpRegistration[] = [
  argMax, argMin, reduceL1, reduceL2, reduceLogSum, reduceLogSumExp, reduceMax, reduceMean, reduceMin,
  reduceProd, reduceSum, reduceSumSquare,
];
