// GroupNormalization: normalise each group of channels, then scale and bias (per group at opset 18, per channel from 21).
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';
import { normalizeRows } from '../util/normalize-rows.js';

type Inputs = readonly (Tensor | undefined)[];

function groupNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scale = toNumbers(requireInput(context, inputs, 1));
  const bias = toNumbers(requireInput(context, inputs, 2));
  const groups = intAttr(attributes, 'num_groups', 1);
  const [batch, channels] = x.dims as [number, number];
  const spatial = sizeOf(x.dims.slice(2));
  const inner = (channels / groups) * spatial;
  const out = new Float64Array(batch * channels * spatial);
  normalizeRows(toNumbers(x), batch * groups, inner, floatAttr(attributes, 'epsilon', 1e-5), false, out);
  // Opset 18 takes scale/bias per group; opset 21 per channel.
  const perGroup = scale.length === groups && groups !== channels;
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / spatial) % channels;
    const k = perGroup ? Math.floor(c / (channels / groups)) : c;
    out[i] = out[i]! * scale[k]! + bias[k]!;
  }
  return [fromNumbers(x.type, x.dims, out)];
}

export const op = defineOp('GroupNormalization', 18, groupNorm);
