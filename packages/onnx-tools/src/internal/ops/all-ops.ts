// Every reference op, by category. Each category's index.ts lists its op files; add a new op there.
import { ACTIVATION_OPS } from './activation/index.js';
import type { OpRegistration } from './contract.js';
import { CONTROL_OPS } from './control/index.js';
import { IMAGE_OPS } from './image/index.js';
import { LOGIC_OPS } from './logic/index.js';
import { MATH_OPS } from './math/index.js';
import { ML_OPS } from './ml/index.js';
import { NN_OPS } from './nn/index.js';
import { PREVIEW_OPS } from './preview/index.js';
import { QUANTIZE_OPS } from './quantize/index.js';
import { REDUCE_OPS } from './reduce/index.js';
import { SIGNAL_OPS } from './signal/index.js';
import { TENSOR_OPS } from './tensor/index.js';
import { TEXT_OPS } from './text/index.js';
import { TRAINING_OPS } from './training/index.js';

export const ALL_OPS: readonly OpRegistration[] = [
  ...ACTIVATION_OPS, ...CONTROL_OPS, ...IMAGE_OPS, ...LOGIC_OPS, ...MATH_OPS, ...ML_OPS, ...NN_OPS, ...PREVIEW_OPS, ...QUANTIZE_OPS, ...REDUCE_OPS, ...SIGNAL_OPS, ...TENSOR_OPS, ...TEXT_OPS, ...TRAINING_OPS,
];
