// BatchNormalization: per-channel (x - mean) / sqrt(var + epsilon) * scale + bias; training_mode uses batch statistics.
import type { Tensor } from '../../../tensor.js';
import type { Attributes } from '../../attribute.js';
import type { OpContext } from '../contract.js';
import { floatAttr, intAttr, requireInput } from '../util/attributes.js';
import { defineOp } from '../util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from '../util/dtype.js';

type Inputs = readonly (Tensor | undefined)[];

function batchNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  expectType(context, x, FLOAT_TYPES);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => toNumbers(requireInput(context, inputs, i)));
  const epsilon = floatAttr(attributes, 'epsilon', 1e-5);
  const values = toNumbers(x);
  const channels = x.dims[1] ?? 1;
  const inner = sizeOf(x.dims.slice(2));
  const out = new Float64Array(values.length);
  const training = intAttr(attributes, 'training_mode', 0) === 1;
  const m = new Float64Array(channels);
  const v = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    m[c] = mean![c]!;
    v[c] = variance![c]!;
  }
  if (training) {
    // Batch statistics; running stats are blended with `momentum`.
    const count = values.length / channels;
    m.fill(0);
    v.fill(0);
    for (let i = 0; i < values.length; i++) m[Math.floor(i / inner) % channels] = m[Math.floor(i / inner) % channels]! + values[i]! / count;
    for (let i = 0; i < values.length; i++) {
      const c = Math.floor(i / inner) % channels;
      v[c] = v[c]! + (values[i]! - m[c]!) ** 2 / count;
    }
  }
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    out[i] = ((values[i]! - m[c]!) / Math.sqrt(v[c]! + epsilon)) * scale![c]! + bias![c]!;
  }
  const y = fromNumbers(x.type, x.dims, out);
  if (!training) return [y];
  const momentum = floatAttr(attributes, 'momentum', 0.9);
  const runningMean = Float64Array.from(m, (bm, c) => mean![c]! * momentum + bm * (1 - momentum));
  const runningVar = Float64Array.from(v, (bv, c) => variance![c]! * momentum + bv * (1 - momentum));
  const statsType = inputs[3]!.type;
  return [y, fromNumbers(statsType, [channels], runningMean), fromNumbers(statsType, [channels], runningVar)];
}

export const op = defineOp('BatchNormalization', 1, batchNorm);
