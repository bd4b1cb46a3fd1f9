// Cache-blocked i-k-j matrix multiply over plain typed arrays (the engine of MatMul, Gemm and
// Conv's im2col path). Deterministic: the summation order depends only on the sizes.

export type FloatArray = Float32Array | Float64Array;

const BLOCK_N = 512;
const BLOCK_K = 128;

/**
 * out[m, n] += Σk a[m, k] * b[k, n] for row-major a (M×K at aOffset), b (K×N at bOffset) and out
 * (M×N at outOffset).
 */
export function gemmAccumulate(
  M: number, N: number, K: number,
  a: FloatArray, aOffset: number,
  b: FloatArray, bOffset: number,
  out: FloatArray, outOffset: number,
): void {
  for (let n0 = 0; n0 < N; n0 += BLOCK_N) {
    const n1 = Math.min(N, n0 + BLOCK_N);
    for (let k0 = 0; k0 < K; k0 += BLOCK_K) {
      const k1 = Math.min(K, k0 + BLOCK_K);
      for (let m = 0; m < M; m++) {
        const outRow = outOffset + m * N;
        const aRow = aOffset + m * K;
        let k = k0;
        // Two k at a time halves the passes over the output row.
        for (; k + 1 < k1; k += 2) {
          const a0 = a[aRow + k]!;
          const a1 = a[aRow + k + 1]!;
          if (a0 === 0 && a1 === 0) continue;
          const b0 = bOffset + k * N;
          const b1 = b0 + N;
          for (let n = n0; n < n1; n++) out[outRow + n] = out[outRow + n]! + a0 * b[b0 + n]! + a1 * b[b1 + n]!;
        }
        if (k < k1) {
          const a0 = a[aRow + k]!;
          if (a0 === 0) continue;
          const b0 = bOffset + k * N;
          for (let n = n0; n < n1; n++) out[outRow + n] = out[outRow + n]! + a0 * b[b0 + n]!;
        }
      }
    }
  }
}

/** Row-major transpose of a rows×cols matrix. */
export function transposeMatrix<T extends FloatArray>(source: T, rows: number, cols: number, offset = 0): T {
  const out = new (source.constructor as new (n: number) => T)(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = source[offset + r * cols + c]!;
  return out;
}
