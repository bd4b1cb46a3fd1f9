// Every op file's registrations, in one list. Add a new op file here.
import { ops as activationOps } from './activations.js';
import { ops as binaryOps } from './binary.js';
import { ops as castOps } from './cast.js';
import type { OpRegistration } from './contract.js';
import { ops as controlFlowOps } from './control-flow.js';
import { ops as convOps } from './conv.js';
import { ops as gatherScatterOps } from './gather-scatter.js';
import { ops as matmulOps } from './matmul.js';
import { ops as miscOps } from './misc.js';
import { ops as movementOps } from './movement.js';
import { ops as normalizationOps } from './normalization.js';
import { ops as poolOps } from './pool.js';
import { ops as quantizeOps } from './quantize.js';
import { ops as resizeOps } from './resize.js';
import { ops as rnnOps } from './rnn.js';
import { ops as reduceOps } from './reduce.js';
import { ops as shapeOps } from './shape-ops.js';
import { ops as softmaxOps } from './softmax.js';
import { ops as unaryMathOps } from './unary-math.js';

export const ALL_OPS: readonly OpRegistration[] = [
  ...unaryMathOps, ...activationOps, ...binaryOps, ...castOps, ...shapeOps, ...movementOps,
  ...reduceOps, ...softmaxOps, ...matmulOps, ...convOps, ...poolOps, ...normalizationOps,
  ...gatherScatterOps, ...miscOps, ...quantizeOps, ...resizeOps, ...rnnOps, ...controlFlowOps,
];
