// Symmetric int8 weight quantization (per channel or per tensor), computed from the weights.
import type { Tensor } from '@kiln/onnx-tools';
import { INT8_MAX, MIN_SCALE } from './calibrators.js';

/** Quantized weights: int8 values and one float32 scale per channel (or one for the tensor). */
export interface QuantizedWeights {
  values: Tensor<'int8'>;
  scales: Float32Array;
  /** The channel axis, or undefined for per-tensor. */
  axis: number | undefined;
}

/** Round half to even, as ONNX QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Per channel along `axis` (or per tensor when `axis` is undefined): scale_c =
 * max(float32(amax_c / 127), 2^-126), q = clamp(roundHalfEven(w / scale_c), -127, 127).
 */
export function quantizeWeights(weights: Tensor<'float32'>, axis: number | undefined): QuantizedWeights {
  const { dims, data } = weights;
  const channels = axis === undefined ? 1 : (dims[axis] as number);
  const inner = axis === undefined ? data.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const channelOf = (i: number): number => (axis === undefined ? 0 : Math.floor(i / inner) % channels);
  const amax = new Float64Array(channels);
  for (let i = 0; i < data.length; i++) {
    const c = channelOf(i);
    const a = Math.abs(data[i] as number);
    if (a > (amax[c] as number)) amax[c] = a;
  }
  const scales = Float32Array.from(amax, (a) => Math.max(Math.fround(a / INT8_MAX), MIN_SCALE));
  const values = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const q = roundHalfEven((data[i] as number) / (scales[channelOf(i)] as number));
    values[i] = Math.max(-INT8_MAX, Math.min(INT8_MAX, q));
  }
  return { values: { type: 'int8', dims: [...dims], data: values }, scales, axis };
}
