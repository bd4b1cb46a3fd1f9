// Every op file's registrations, in one list. Add a new op file here.
import { ops as binaryOps } from './binary.js';
import { ops as castOps } from './cast.js';
import type { OpRegistration } from './contract.js';
import { ops as movementOps } from './movement.js';
import { ops as shapeOps } from './shape-ops.js';
import { ops as unaryMathOps } from './unary-math.js';

export const ALL_OPS: readonly OpRegistration[] = [...unaryMathOps, ...binaryOps, ...castOps, ...shapeOps, ...movementOps];
