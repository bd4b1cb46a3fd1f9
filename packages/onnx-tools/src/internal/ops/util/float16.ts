// IEEE half precision and bfloat16 <-> float32 conversion (round to nearest even).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

let halfTable: Float32Array | undefined;

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    let value: number;
    if (exponent === 0) value = mantissa * 2 ** -24;
    else if (exponent === 31) value = mantissa === 0 ? Infinity : NaN;
    else value = (1 + mantissa / 1024) * 2 ** (exponent - 15);
    table[h] = sign * value;
  }
  return table;
}

/** float16 bits -> number. */
export function halfToFloat(bits: number): number {
  halfTable ??= buildHalfTable();
  return halfTable[bits & 0xffff]!;
}

/** number -> float16 bits, round to nearest even; overflow becomes infinity. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  // Unbiased exponent, rebias for half.
  const e = exponent - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let result = mantissa >>> shift;
    if (rest > halfway || (rest === halfway && result & 1)) result++;
    return sign | result;
  }
  let result = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && result & 1)) result++;
  return sign | result;
}

/** bfloat16 bits -> number. */
export function bfloat16ToFloat(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}

/** number -> bfloat16 bits, round to nearest even; NaN stays NaN. */
export function floatToBfloat16(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Decodes a float16 or bfloat16 bit array into float32 values. */
export function decodeHalfArray(bits: Uint16Array, bfloat: boolean): Float32Array {
  const out = new Float32Array(bits.length);
  if (bfloat) for (let i = 0; i < bits.length; i++) out[i] = bfloat16ToFloat(bits[i]!);
  else {
    halfTable ??= buildHalfTable();
    for (let i = 0; i < bits.length; i++) out[i] = halfTable[bits[i]!]!;
  }
  return out;
}

/** Encodes numbers into float16 or bfloat16 bits. */
export function encodeHalfArray(values: ArrayLike<number>, bfloat: boolean): Uint16Array {
  const out = new Uint16Array(values.length);
  if (bfloat) for (let i = 0; i < values.length; i++) out[i] = floatToBfloat16(values[i]!);
  else for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]!);
  return out;
}
