// float8 E8M0 (8 exponent bits, no sign or mantissa: 2^(code - 127); 0xff is NaN) <-> number, as
// the ONNX Cast spec defines it, with its three rounding modes.

export type E8M0RoundMode = 'up' | 'down' | 'nearest';

const bits = new Uint32Array(1);
const float = new Float32Array(bits.buffer);

export function decodeFloat8E8M0(codes: Uint8Array): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] === 0xff ? NaN : 2 ** (codes[i]! - 127);
  return out;
}

/**
 * The code of |x| rounded to a power of two in float32: 'down' keeps the exponent, 'up' takes the
 * next power when any mantissa bit is set, 'nearest' rounds on the mantissa (ties up). NaN and
 * infinity give 0xff; with `saturate` a value that would round past 2^127 stays at 0xfe.
 */
export function encodeFloat8E8M0One(x: number, saturate: boolean, mode: E8M0RoundMode): number {
  float[0] = x;
  const word = bits[0]!;
  const exponent = (word >>> 23) & 0xff;
  if (exponent === 0xff) return 0xff;
  const mantissa = word & 0x7fffff;
  let roundUp = false;
  if (mode === 'up') roundUp = mantissa !== 0;
  else if (mode === 'nearest') {
    const guard = (mantissa & 0x400000) !== 0;
    const rest = (mantissa & 0x3fffff) !== 0;
    roundUp = guard && (rest || exponent > 0);
  }
  if (roundUp && exponent === 0xfe && saturate) return 0xfe;
  return roundUp ? exponent + 1 : exponent;
}

export function encodeFloat8E8M0(values: ArrayLike<number>, saturate = true, mode: E8M0RoundMode = 'up'): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeFloat8E8M0One(values[i]!, saturate, mode);
  return out;
}
