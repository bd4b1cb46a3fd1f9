// The discrete Fourier transform along one axis of complex data, shared by DFT and STFT.
import { sizeOf } from './dtype.js';

/**
 * `values` holds complex numbers as (re, im) pairs for a tensor of `dims` (the complex pair axis
 * not included). Transforms along `axis` with `length` points (the signal is cut or zero-padded
 * to it); `inverse` uses e^(+i...) and divides by `length`; `onesided` keeps bins 0..length/2.
 */
export function dftAlongAxis(
  values: Float64Array,
  dims: readonly number[],
  axis: number,
  length: number,
  inverse: boolean,
  onesided: boolean,
): { values: Float64Array; dims: number[] } {
  const outer = sizeOf(dims.slice(0, axis));
  const extent = dims[axis]!;
  const inner = sizeOf(dims.slice(axis + 1));
  const bins = onesided ? Math.floor(length / 2) + 1 : length;
  const out = new Float64Array(outer * bins * inner * 2);
  const sign = inverse ? 1 : -1;
  const used = Math.min(extent, length);
  // cos/sin of 2*pi*m/length for m = 0..length-1 (the product k*n is taken modulo length).
  const cos = Float64Array.from({ length }, (_, m) => Math.cos((2 * Math.PI * m) / length));
  const sin = Float64Array.from({ length }, (_, m) => Math.sin((2 * Math.PI * m) / length));
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++)
      for (let k = 0; k < bins; k++) {
        let re = 0;
        let im = 0;
        for (let n = 0; n < used; n++) {
          const at = ((o * extent + n) * inner + i) * 2;
          const m = (k * n) % length;
          const c = cos[m]!;
          const s = sign * sin[m]!;
          re += values[at]! * c - values[at + 1]! * s;
          im += values[at]! * s + values[at + 1]! * c;
        }
        const target = ((o * bins + k) * inner + i) * 2;
        out[target] = inverse ? re / length : re;
        out[target + 1] = inverse ? im / length : im;
      }
  const outDims = [...dims];
  outDims[axis] = bins;
  return { values: out, dims: outDims };
}

/** Real ([..., 1]) or complex ([..., 2]) data as (re, im) pairs and the dims without the last axis. */
export function asComplex(values: ArrayLike<number>, dims: readonly number[]): { values: Float64Array; dims: number[] } {
  const components = dims[dims.length - 1]!;
  const count = sizeOf(dims.slice(0, -1));
  const out = new Float64Array(count * 2);
  for (let i = 0; i < count; i++) {
    out[2 * i] = values[i * components]!;
    out[2 * i + 1] = components === 2 ? values[i * components + 1]! : 0;
  }
  return { values: out, dims: dims.slice(0, -1) };
}

/**
 * The inverse of a onesided transform (numpy's irfft): `values` holds the first bins of a
 * Hermitian spectrum along `axis`; the result is the real signal of `length` samples (missing
 * bins read as zero, the imaginary parts of bin 0 and of the Nyquist bin are ignored).
 */
export function inverseRealDft(values: Float64Array, dims: readonly number[], axis: number, length: number): { values: Float64Array; dims: number[] } {
  const outer = sizeOf(dims.slice(0, axis));
  const extent = dims[axis]!;
  const inner = sizeOf(dims.slice(axis + 1));
  const bins = Math.min(extent, Math.floor(length / 2) + 1);
  const out = new Float64Array(outer * length * inner);
  for (let o = 0; o < outer; o++)
    for (let i = 0; i < inner; i++)
      for (let t = 0; t < length; t++) {
        let sum = 0;
        for (let k = 0; k < bins; k++) {
          const at = ((o * extent + k) * inner + i) * 2;
          const angle = (2 * Math.PI * ((k * t) % length)) / length;
          const term = values[at]! * Math.cos(angle) - values[at + 1]! * Math.sin(angle);
          // Bins 1..n/2-1 stand for themselves and their conjugate mirror.
          const edge = k === 0 || (length % 2 === 0 && k === length / 2);
          sum += edge ? values[at]! * Math.cos(angle) : 2 * term;
        }
        out[(o * length + t) * inner + i] = sum / length;
      }
  const outDims = [...dims];
  outDims[axis] = length;
  return { values: out, dims: outDims };
}
