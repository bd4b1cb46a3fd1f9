// Separable resampling for Resize and Upsample. Each output coordinate gets, per axis, a list of
// (input index, weight) taps; an output element sums the product of its taps.
import type { Tensor } from '../../../tensor.js';
import { fromNumbers, sizeOf, toNumbers } from './dtype.js';
import { stridesOf } from './shape.js';

interface Taps {
  index: number[];
  weight: number[];
  /** tf_crop_and_resize sampled outside the input: use extrapolation_value. */
  outside: boolean;
}

export interface ResizeOptions {
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
    default: throw new TypeError(`unknown coordinate_transformation_mode ${o.transform}`);
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

/**
 * Antialiased linear / cubic taps (opset 18+): when downsampling by `scale` < 1 the filter is
 * stretched by 1/scale, so it covers every input pixel that maps into the output pixel. As in
 * the ONNX reference, the taps are the pixels `base + i` for i in [start, 2 - start), where base
 * is the pixel left of `original` (one further left when `original` is whole), weights are
 * normalised to sum 1, and pixels beyond the border repeat the edge unless exclude_outside.
 */
function antialiasTaps(o: ResizeOptions, original: number, inLen: number, scale: number, taps: Taps): void {
  const s = Math.min(scale, 1);
  const linear = o.mode === 'linear';
  const ratio = Number.isInteger(original) ? 1 : original - Math.floor(original);
  const base = Math.round(original - ratio);
  const start = Math.floor(-(linear ? 1 : 2) / s) + 1;
  const raw: [number, number][] = [];
  let total = 0;
  for (let i = start; i < 2 - start; i++) {
    const t = (i - ratio) * s;
    const pixel = base + i;
    let w = linear ? Math.max(0, 1 - Math.abs(t)) : cubicWeight(t, o.cubicA);
    if (o.excludeOutside && (pixel < 0 || pixel >= inLen)) w = 0;
    total += w;
    if (w !== 0) raw.push([Math.min(Math.max(pixel, 0), inLen - 1), w]);
  }
  for (const [i, w] of raw) {
    taps.index.push(i);
    taps.weight.push(w / total);
  }
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
    } else if (o.antialias) antialiasTaps(o, original, inLen, scale, taps);
    else {
      const linear = o.mode === 'linear';
      const support = linear ? 1 : 2;
      const first = Math.floor(original - support) + 1;
      const last = Math.floor(original + support);
      let total = 0;
      const raw: [number, number][] = [];
      for (let i = first; i <= last; i++) {
        const t = original - i;
        let w = linear ? Math.max(0, 1 - Math.abs(t)) : cubicWeight(t, o.cubicA);
        if (o.excludeOutside && (i < 0 || i >= inLen)) w = 0;
        if (w === 0) continue;
        raw.push([Math.min(Math.max(i, 0), inLen - 1), w]);
        total += w;
      }
      for (const [i, w] of raw) {
        taps.index.push(i);
        taps.weight.push(o.excludeOutside ? w / total : w);
      }
    }
    result.push(taps);
  }
  return result;
}

export function resize(x: Tensor, o: ResizeOptions, scales: number[], outDims: number[], roi: number[], lengths = outDims): Tensor {
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

