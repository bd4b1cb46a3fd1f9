// The control ops (If, Loop, Scan): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as ifOp } from './if.js';
import { op as loopOp } from './loop.js';
import { op as scanOp } from './scan.js';

export const CONTROL_OPS: readonly OpRegistration[] = [
  ifOp, loopOp, scanOp,
];
