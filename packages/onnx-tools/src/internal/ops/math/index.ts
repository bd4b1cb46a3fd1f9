// The math ops (arithmetic, element-wise math, matrix products, running sums): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as abs } from './abs.js';
import { op as acos } from './acos.js';
import { op as acosh } from './acosh.js';
import { op as add } from './add.js';
import { op as asin } from './asin.js';
import { op as asinh } from './asinh.js';
import { op as atan } from './atan.js';
import { op as atanh } from './atanh.js';
import { op as bitShift } from './bit-shift.js';
import { op as ceilOp } from './ceil.js';
import { op as cos } from './cos.js';
import { op as cosh } from './cosh.js';
import { op as cumProd } from './cum-prod.js';
import { op as cumSum } from './cum-sum.js';
import { op as detOp } from './det.js';
import { op as div } from './div.js';
import { op as einsum } from './einsum.js';
import { op as erf } from './erf.js';
import { op as expOp } from './exp.js';
import { op as floorOp } from './floor.js';
import { op as gemm } from './gemm.js';
import { op as logOp } from './log.js';
import { op as matmul } from './matmul.js';
import { op as matmulInteger } from './matmul-integer.js';
import { op as maxOp } from './max.js';
import { op as mean } from './mean.js';
import { op as minOp } from './min.js';
import { op as mod } from './mod.js';
import { op as mul } from './mul.js';
import { op as neg } from './neg.js';
import { op as pow } from './pow.js';
import { op as qlinearMatmul } from './qlinear-matmul.js';
import { op as reciprocal } from './reciprocal.js';
import { op as roundOp } from './round.js';
import { op as sign } from './sign.js';
import { op as sin } from './sin.js';
import { op as sinh } from './sinh.js';
import { op as sqrt } from './sqrt.js';
import { op as sub } from './sub.js';
import { op as sum } from './sum.js';
import { op as tan } from './tan.js';
import { op as tanh } from './tanh.js';

export const MATH_OPS: readonly OpRegistration[] = [
  abs, acos, acosh, add, asin, asinh, atan, atanh, bitShift, ceilOp, cos, cosh, cumProd, cumSum, detOp, div,
  einsum, erf, expOp, floorOp, gemm, logOp, matmul, matmulInteger, maxOp, mean, minOp, mod, mul, neg, pow,
  qlinearMatmul, reciprocal, roundOp, sign, sin, sinh, sqrt, sub, sum, tan, tanh,
];
