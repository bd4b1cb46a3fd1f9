// InstanceNormalization: normalise each (n, c) plane, then per-channel scale and bias.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { normalizeRows } from '../util/normalize-rows.js';

type Inputs = readonly (Tensor | undefined)[];

function instanceNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scale = toNumbers(requireInput(context, inputs, 1));
  const bias = toNumbers(requireInput(context, inputs, 2));
  const [batch, channels] = x.dims as [number, number];
  const inner = sizeOf(x.dims.slice(2));
  const out = new Float64Array(batch * channels * inner);
  normalizeRows(toNumbers(x), batch * channels, inner, floatAttr(attributes, 'epsilon', 1e-5), false, out);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = out[i]! * scale[c]! + bias[c]!;
  }
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('InstanceNormalization', 1, instanceNorm);
