// Every op file's registrations, in one list. Add a new op file here.
import type { OpRegistration } from './contract.js';
import { ops as binaryOps } from './binary.js';
import { ops as unaryMathOps } from './unary-math.js';

export const ALL_OPS: readonly OpRegistration[] = [...unaryMathOps, ...binaryOps];
