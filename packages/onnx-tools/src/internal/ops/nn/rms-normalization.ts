// RMSNormalization: x / sqrt(mean(x^2) + epsilon) * scale over the trailing axes.
import { defineOp } from '../util/define.js';
import { layerNorm } from '../util/layer-norm.js';

export const op = defineOp('RMSNormalization', 23, layerNorm(true));
