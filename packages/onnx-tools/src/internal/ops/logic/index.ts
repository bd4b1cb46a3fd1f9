// The logic ops (comparisons, logical and bitwise ops, Where, IsNaN/IsInf): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as andOp } from './and.js';
import { op as bitwiseAnd } from './bitwise-and.js';
import { op as bitwiseNot } from './bitwise-not.js';
import { op as bitwiseOr } from './bitwise-or.js';
import { op as bitwiseXor } from './bitwise-xor.js';
import { op as equal } from './equal.js';
import { op as greater } from './greater.js';
import { op as greaterOrEqual } from './greater-or-equal.js';
import { op as isInf } from './is-inf.js';
import { op as isNan } from './is-nan.js';
import { op as less } from './less.js';
import { op as lessOrEqual } from './less-or-equal.js';
import { op as notOp } from './not.js';
import { op as orOp } from './or.js';
import { op as where } from './where.js';
import { op as xorOp } from './xor.js';

export const LOGIC_OPS: readonly OpRegistration[] = [
  andOp, bitwiseAnd, bitwiseNot, bitwiseOr, bitwiseXor, equal, greater, greaterOrEqual, isInf, isNan, less,
  lessOrEqual, notOp, orOp, where, xorOp,
];
