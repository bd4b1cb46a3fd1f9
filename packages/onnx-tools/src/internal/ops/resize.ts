// Resize (opset 10-19: nearest/linear/cubic, every coordinate transformation and nearest mode,
// antialias, axes, keep_aspect_ratio_policy) and Upsample. Each output coordinate gets, per
// axis, a list of (input index, weight) taps; an output element sums the product of its taps.
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, floatsAttr, intAttr, intsAttr, requireInput, stringAttr } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { fromNumbers, sizeOf, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { normalizeAxis, stridesOf } from './util/shape.js';

interface Taps {
  index: number[];
  weight: number[];
  /** tf_crop_and_resize sampled outside the input: use extrapolation_value. */
  outside: boolean;
}

interface ResizeOptions {
  mode: string;
  transform: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  antialias: boolean;
}

function originalCoordinate(o: ResizeOptions, x: number, scale: number, inLen: number, outLen: number, roiStart: number, roiEnd: number): number {
  switch (o.transform) {
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjustment = outLen / (scale * inLen);
      const offset = (inLen / 2) * (1 - adjustment);
      return offset + (x + 0.5) / scale - 0.5;
    }
    case 'pytorch_half_pixel': return outLen > 1 ? (x + 0.5) / scale - 0.5 : 0;
    case 'align_corners': return outLen === 1 ? 0 : (x * (inLen - 1)) / (outLen - 1);
    case 'asymmetric': return x / scale;
    case 'tf_crop_and_resize':
      return outLen > 1 ? roiStart * (inLen - 1) + (x * (roiEnd - roiStart) * (inLen - 1)) / (outLen - 1) : 0.5 * (roiStart + roiEnd) * (inLen - 1);
    default: throw new Error(`unknown coordinate_transformation_mode ${o.transform}`);
  }
}

function nearestIndex(mode: string, x: number): number {
  switch (mode) {
    case 'round_prefer_ceil': return Math.floor(x + 0.5);
    case 'floor': return Math.floor(x);
    case 'ceil': return Math.ceil(x);
    default: return x === Math.floor(x) + 0.5 ? Math.floor(x) : Math.round(x);
  }
}

function cubicWeight(t: number, a: number): number {
  const x = Math.abs(t);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

/** `resizedLength` is the unrounded output length (in * scale when scales were given). */
function axisTaps(o: ResizeOptions, inLen: number, outLen: number, resizedLength: number, scale: number, roiStart: number, roiEnd: number): Taps[] {
  const result: Taps[] = [];
  for (let x = 0; x < outLen; x++) {
    const length = o.transform === 'half_pixel_symmetric' ? outLen : resizedLength;
    const original = originalCoordinate(o, x, scale, inLen, length, roiStart, roiEnd);
    const outside = o.transform === 'tf_crop_and_resize' && (original < 0 || original > inLen - 1);
    const taps: Taps = { index: [], weight: [], outside };
    if (o.mode === 'nearest') {
      taps.index.push(Math.min(Math.max(nearestIndex(o.nearestMode, original), 0), inLen - 1));
      taps.weight.push(1);
    } else {
      const linear = o.mode === 'linear';
      // Antialiasing stretches the filter by 1/scale when downsampling.
      const stretch = o.antialias && scale < 1 ? scale : 1;
      const support = (linear ? 1 : 2) / stretch;
      const first = Math.floor(original - support) + 1;
      const last = Math.floor(original + support);
      let total = 0;
      const raw: [number, number][] = [];
      for (let i = first; i <= last; i++) {
        const t = (original - i) * stretch;
        let w = linear ? Math.max(0, 1 - Math.abs(t)) : cubicWeight(t, o.cubicA);
        if ((o.excludeOutside || o.antialias) && (i < 0 || i >= inLen)) w = 0;
        if (w === 0) continue;
        raw.push([Math.min(Math.max(i, 0), inLen - 1), w]);
        total += w;
      }
      const normalize = o.excludeOutside || o.antialias;
      for (const [i, w] of raw) {
        taps.index.push(i);
        taps.weight.push(normalize ? w / total : w);
      }
    }
    result.push(taps);
  }
  return result;
}

export function resize(context: OpContext, x: Tensor, o: ResizeOptions, scales: number[], outDims: number[], roi: number[], lengths = outDims): Tensor {
  const rank = x.dims.length;
  const values = toNumbers(x);
  const strides = stridesOf(x.dims);
  const taps = x.dims.map((d, a) => axisTaps(o, d, outDims[a]!, lengths[a]!, scales[a]!, roi[a] ?? 0, roi[a + rank] ?? 1));
  const total = sizeOf(outDims);
  const out = new Float64Array(total);
  const index = new Array<number>(rank).fill(0);
  const recurse = (axis: number, offset: number, weight: number): number => {
    if (axis === rank) return values[offset]! * weight;
    const t = taps[axis]![index[axis]!]!;
    let sum = 0;
    for (let k = 0; k < t.index.length; k++) sum += recurse(axis + 1, offset + t.index[k]! * strides[axis]!, weight * t.weight[k]!);
    return sum;
  };
  for (let i = 0; i < total; i++) {
    let outside = false;
    for (let a = 0; a < rank; a++) if (taps[a]![index[a]!]!.outside) outside = true;
    out[i] = outside ? o.extrapolation : recurse(0, 0, 1);
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outDims[a]!) break;
      index[a] = 0;
    }
  }
  if (o.mode === 'nearest' || x.type.startsWith('float') || x.type === 'bfloat16') return fromNumbers(x.type, outDims, out);
  // Integer outputs of linear/cubic round to nearest and saturate.
  return fromNumbers(x.type, outDims, out.map((v) => Math.round(v)));
}

function resizeOp(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const rank = x.dims.length;
  const legacy = context.opset < 11;
  const options: ResizeOptions = {
    mode: stringAttr(attributes, 'mode', 'nearest'),
    transform: legacy ? 'asymmetric' : stringAttr(attributes, 'coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'floor' : stringAttr(attributes, 'nearest_mode', 'round_prefer_floor'),
    cubicA: floatAttr(attributes, 'cubic_coeff_a', -0.75),
    excludeOutside: intAttr(attributes, 'exclude_outside', 0) === 1,
    extrapolation: floatAttr(attributes, 'extrapolation_value', 0),
    antialias: intAttr(attributes, 'antialias', 0) === 1,
  };
  const scalesInput = legacy ? inputs[1] : inputs[2];
  const sizesInput = legacy ? undefined : inputs[3];
  const axes = (intsAttr(attributes, 'axes') ?? [...Array(rank).keys()]).map((a) => normalizeAxis(context, a, rank));
  const roiValues = !legacy && inputs[1] && inputs[1].data.length > 0 ? Array.from(toNumbers(inputs[1])) : [];
  const roi: number[] = [...new Array<number>(rank).fill(0), ...new Array<number>(rank).fill(1)];
  if (roiValues.length === 2 * axes.length) axes.forEach((a, i) => {
    roi[a] = roiValues[i]!;
    roi[a + rank] = roiValues[i + axes.length]!;
  });
  const scales = new Array<number>(rank).fill(1);
  const outDims = [...x.dims];
  const lengths = [...x.dims];
  if (sizesInput && sizesInput.data.length > 0) {
    const sizes = Array.from(toNumbers(sizesInput));
    const policy = stringAttr(attributes, 'keep_aspect_ratio_policy', 'stretch');
    if (policy === 'stretch') axes.forEach((a, i) => {
      outDims[a] = sizes[i]!;
      scales[a] = sizes[i]! / x.dims[a]!;
    });
    else {
      const ratios = axes.map((a, i) => sizes[i]! / x.dims[a]!);
      const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => {
        scales[a] = scale;
        outDims[a] = Math.round(x.dims[a]! * scale);
      });
    }
  } else if (scalesInput && scalesInput.data.length > 0) {
    const given = Array.from(toNumbers(scalesInput));
    axes.forEach((a, i) => {
      scales[a] = given[i]!;
      outDims[a] = Math.floor(x.dims[a]! * given[i]!);
      lengths[a] = x.dims[a]! * given[i]!;
    });
  } else throw evaluateError(context, 'one of scales or sizes is required');
  axes.forEach((a) => {
    if (lengths[a] === x.dims[a] && scales[a] !== 1) lengths[a] = outDims[a]!;
  });
  return [resize(context, x, options, scales, outDims, roi, lengths)];
}

function upsample(inputs: readonly (Tensor | undefined)[], attributes: Attributes, context: OpContext): Tensor[] {
  const x = requireInput(context, inputs, 0);
  const scales = inputs[1] ? Array.from(toNumbers(inputs[1])) : floatsAttr(attributes, 'scales') ?? [];
  const options: ResizeOptions = {
    mode: stringAttr(attributes, 'mode', 'nearest'), transform: 'asymmetric', nearestMode: 'floor',
    cubicA: -0.75, excludeOutside: false, extrapolation: 0, antialias: false,
  };
  const outDims = x.dims.map((d, i) => Math.floor(d * scales[i]!));
  return [resize(context, x, options, scales, outDims, [])];
}

export const ops: OpRegistration[] = [defineOp('Resize', 10, resizeOp), defineOp('Upsample', 7, upsample)];
