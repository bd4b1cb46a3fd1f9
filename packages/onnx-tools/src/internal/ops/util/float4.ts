// float4 E2M1 (1 sign, 2 exponent, 1 mantissa bit; bias 1; no infinity or NaN) <-> number, as the
// ONNX float4 spec defines it. Codes are one per byte (bit 3 is the sign).

/** The value of each code 0..15. */
const VALUES: readonly number[] = [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6];

export function decodeFloat4(codes: Uint8Array): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = VALUES[codes[i]! & 0x0f]!;
  return out;
}

/**
 * Round to nearest even; magnitudes beyond the largest value (6) and infinities saturate to ±6
 * (the format has neither infinity nor NaN). NaN becomes code 0x8 (-0), as in the ONNX backend
 * test data (ml_dtypes' float4_e2m1fn).
 */
export function encodeFloat4One(x: number): number {
  if (Number.isNaN(x)) return 0x8;
  const sign = x < 0 || Object.is(x, -0) ? 0x8 : 0;
  const magnitude = Math.abs(x);
  let code = 7;
  for (let c = 0; c < 7; c++) {
    const low = VALUES[c]!;
    const high = VALUES[c + 1]!;
    if (magnitude > high) continue;
    const mid = (low + high) / 2;
    // Ties go to the even code (its mantissa bit is 0).
    code = magnitude < mid || (magnitude === mid && c % 2 === 0) ? c : c + 1;
    break;
  }
  return sign | code;
}

export function encodeFloat4(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encodeFloat4One(values[i]!);
  return out;
}
