// LRN: local response normalisation across neighbouring channels.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';

type Inputs = readonly (Tensor | undefined)[];

function lrn(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const size = intAttr(attributes, 'size', 1);
  const alpha = floatAttr(attributes, 'alpha', 1e-4);
  const beta = floatAttr(attributes, 'beta', 0.75);
  const bias = floatAttr(attributes, 'bias', 1);
  const values = toNumbers(x);
  const [batch, channels] = x.dims as [number, number];
  const inner = sizeOf(x.dims.slice(2));
  const out = new Float64Array(values.length);
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  for (let n = 0; n < batch; n++)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        for (let k = Math.max(0, c - before); k <= Math.min(channels - 1, c + after); k++) sum += values[(n * channels + k) * inner + i]! ** 2;
        const index = (n * channels + c) * inner + i;
        out[index] = values[index]! / (bias + (alpha / size) * sum) ** beta;
      }
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('LRN', 1, lrn);
