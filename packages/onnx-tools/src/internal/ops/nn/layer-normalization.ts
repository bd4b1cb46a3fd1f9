// LayerNormalization: (x - mean) / sqrt(var + epsilon) * scale + bias over the trailing axes.
import { defineOp } from '../util/define.js';
import { layerNorm } from '../util/layer-norm.js';

export const op = defineOp('LayerNormalization', 17, layerNorm(false));
