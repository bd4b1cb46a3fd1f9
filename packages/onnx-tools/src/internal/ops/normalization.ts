// BatchNormalization (inference), LayerNormalization, RMSNormalization, InstanceNormalization,
// GroupNormalization, LRN, LpNormalization, MeanVarianceNormalization.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, intAttr, intsAttr, requireInput } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { expectType, FLOAT_TYPES, fromNumbers, sizeOf, toNumbers } from './util/dtype.js';
import { broadcastIndex } from './util/shape.js';
import { normalizeAxis } from './util/shape.js';

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

/** Normalises each of `outer` rows of `inner` values; returns mean and 1/std per row. */
function normalizeRows(values: ArrayLike<number>, outer: number, inner: number, epsilon: number, rms: boolean, out: Float64Array): { mean: Float64Array; invStd: Float64Array } {
  const mean = new Float64Array(outer);
  const invStd = new Float64Array(outer);
  for (let o = 0; o < outer; o++) {
    let sum = 0;
    let sumSquares = 0;
    for (let i = o * inner; i < (o + 1) * inner; i++) {
      sum += values[i]!;
      sumSquares += values[i]! * values[i]!;
    }
    const mu = rms ? 0 : sum / inner;
    const variance = sumSquares / inner - mu * mu;
    const inv = 1 / Math.sqrt(variance + epsilon);
    mean[o] = mu;
    invStd[o] = inv;
    for (let i = o * inner; i < (o + 1) * inner; i++) out[i] = (values[i]! - mu) * inv;
  }
  return { mean, invStd };
}

function layerNorm(rms: boolean) {
  return (inputs: Inputs, attributes: Attributes, context: OpContext): (Tensor | undefined)[] => {
    const x = requireInput(context, inputs, 0);
    expectType(context, x, FLOAT_TYPES);
    const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
    const epsilon = floatAttr(attributes, 'epsilon', 1e-5);
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis));
    const out = new Float64Array(outer * inner);
    const { mean, invStd } = normalizeRows(toNumbers(x), outer, inner, epsilon, rms, out);
    const scale = requireInput(context, inputs, 1);
    const scaleMap = broadcastIndex(x.dims, scale.dims);
    const sv = toNumbers(scale);
    const bias = rms ? undefined : inputs[2];
    const bv = bias ? toNumbers(bias) : undefined;
    const biasMap = bias ? broadcastIndex(x.dims, bias.dims) : undefined;
    for (let i = 0; i < out.length; i++) {
      out[i] = out[i]! * sv[scaleMap ? scaleMap[i]! : i]! + (bv ? bv[biasMap ? biasMap[i]! : i]! : 0);
    }
    const statDims = x.dims.map((d, i) => (i < axis ? d : 1));
    const stashType = x.type === 'float64' ? 'float64' : 'float32';
    return [fromNumbers(x.type, x.dims, out), fromNumbers(stashType, statDims, mean), fromNumbers(stashType, statDims, invStd)];
  };
}

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

function lpNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axis = normalizeAxis(context, intAttr(attributes, 'axis', -1), x.dims.length);
  const p = intAttr(attributes, 'p', 2);
  const values = toNumbers(x);
  const outer = sizeOf(x.dims.slice(0, axis));
  const extent = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  const out = new Float64Array(values.length);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++) {
      let norm = 0;
      for (let k = 0; k < extent; k++) norm += p === 1 ? Math.abs(values[(o * extent + k) * inner + i]!) : values[(o * extent + k) * inner + i]! ** 2;
      if (p !== 1) norm = Math.sqrt(norm);
      for (let k = 0; k < extent; k++) {
        const index = (o * extent + k) * inner + i;
        out[index] = norm === 0 ? 0 : values[index]! / norm;
      }
    }
  return [fromNumbers(x.type, x.dims, out)];
}

function meanVarianceNorm(inputs: Inputs, attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const axes = (intsAttr(attributes, 'axes') ?? [0, 2, 3]).map((a) => normalizeAxis(context, a, x.dims.length));
  const statDims = x.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const map = broadcastIndex(x.dims, statDims)!;
  const values = toNumbers(x);
  const count = sizeOf(x.dims) / sizeOf(statDims);
  const mean = new Float64Array(sizeOf(statDims));
  const meanSquare = new Float64Array(sizeOf(statDims));
  for (let i = 0; i < values.length; i++) {
    mean[map ? map[i]! : i] = mean[map ? map[i]! : i]! + values[i]! / count;
    meanSquare[map ? map[i]! : i] = meanSquare[map ? map[i]! : i]! + values[i]! ** 2 / count;
  }
  const out = Float64Array.from(values, (v, i) => {
    const s = map ? map[i]! : i;
    return (v - mean[s]!) / (Math.sqrt(meanSquare[s]! - mean[s]! ** 2) + 1e-9);
  });
  return [fromNumbers(x.type, x.dims, out)];
}

export const ops: OpRegistration[] = [
  defineOp('BatchNormalization', 1, batchNorm),
  defineOp('LayerNormalization', 17, layerNorm(false)),
  defineOp('RMSNormalization', 23, layerNorm(true)),
  defineOp('InstanceNormalization', 1, instanceNorm),
  defineOp('GroupNormalization', 18, groupNorm),
  defineOp('LRN', 1, lrn),
  defineOp('LpNormalization', 1, lpNorm),
  defineOp('MeanVarianceNormalization', 9, meanVarianceNorm),
];
