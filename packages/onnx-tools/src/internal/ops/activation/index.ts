// The activation ops (activations, Softmax family, Clip, Dropout): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as celu } from './celu.js';
import { op as clip } from './clip.js';
import { op as dropout } from './dropout.js';
import { op as elu } from './elu.js';
import { op as gelu } from './gelu.js';
import { op as hardSigmoid } from './hard-sigmoid.js';
import { op as hardSwish } from './hard-swish.js';
import { op as hardmax } from './hardmax.js';
import { op as leakyRelu } from './leaky-relu.js';
import { op as logSoftmax } from './log-softmax.js';
import { op as mish } from './mish.js';
import { op as prelu } from './prelu.js';
import { op as relu } from './relu.js';
import { op as selu } from './selu.js';
import { op as shrink } from './shrink.js';
import { op as sigmoid } from './sigmoid.js';
import { op as softmax } from './softmax.js';
import { op as softplus } from './softplus.js';
import { op as softsign } from './softsign.js';
import { op as swiglu } from './swiglu.js';
import { op as swish } from './swish.js';
import { op as thresholdedRelu } from './thresholded-relu.js';

export const ACTIVATION_OPS: readonly OpRegistration[] = [
  celu, clip, dropout, elu, gelu, hardSigmoid, hardSwish, hardmax, leakyRelu, logSoftmax, mish, prelu, relu,
  selu, shrink, sigmoid, softmax, softplus, softsign, swiglu, swish, thresholdedRelu,
];
