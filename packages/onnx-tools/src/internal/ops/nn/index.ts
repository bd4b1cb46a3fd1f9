// The nn ops (convolution, pooling, normalisation, attention, recurrent layers, losses): one file per op, each exporting its registration as `op`.
import type { OpRegistration } from '../contract.js';
import { op as attention } from './attention.js';
import { op as averagePool } from './average-pool.js';
import { op as batchNormalization } from './batch-normalization.js';
import { op as causalConvWithState } from './causal-conv-with-state.js';
import { op as col2im } from './col2im.js';
import { op as conv } from './conv.js';
import { op as convInteger } from './conv-integer.js';
import { op as convTranspose } from './conv-transpose.js';
import { op as deformConv } from './deform-conv.js';
import { op as globalAveragePool } from './global-average-pool.js';
import { op as globalLpPool } from './global-lp-pool.js';
import { op as globalMaxPool } from './global-max-pool.js';
import { op as groupNormalization } from './group-normalization.js';
import { op as gru } from './gru.js';
import { op as instanceNormalization } from './instance-normalization.js';
import { op as layerNormalization } from './layer-normalization.js';
import { op as linearAttention } from './linear-attention.js';
import { op as lpNormalization } from './lp-normalization.js';
import { op as lpPool } from './lp-pool.js';
import { op as lrn } from './lrn.js';
import { op as lstm } from './lstm.js';
import { op as maxPool } from './max-pool.js';
import { op as maxUnpool } from './max-unpool.js';
import { op as meanVarianceNormalization } from './mean-variance-normalization.js';
import { op as negativeLogLikelihoodLoss } from './negative-log-likelihood-loss.js';
import { op as qlinearConv } from './qlinear-conv.js';
import { op as rmsNormalization } from './rms-normalization.js';
import { op as rnn } from './rnn.js';
import { op as rotaryEmbedding } from './rotary-embedding.js';
import { op as softmaxCrossEntropyLoss } from './softmax-cross-entropy-loss.js';

export const NN_OPS: readonly OpRegistration[] = [
  attention, averagePool, batchNormalization, causalConvWithState, col2im, conv, convInteger, convTranspose,
  deformConv, globalAveragePool, globalLpPool, globalMaxPool, groupNormalization, gru, instanceNormalization,
  layerNormalization, linearAttention, lpNormalization, lpPool, lrn, lstm, maxPool, maxUnpool,
  meanVarianceNormalization, negativeLogLikelihoodLoss, qlinearConv, rmsNormalization, rnn, rotaryEmbedding,
  softmaxCrossEntropyLoss,
];
