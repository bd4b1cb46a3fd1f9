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
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) gemmF32(M, N, K, a, aOffset, b, bOffset, out, outOffset);
  else gemmF64(M, N, K, a, aOffset, b, bOffset, out, outOffset);
}

// Two copies of one kernel so each stays monomorphic (V8 optimises per element kind).
function gemmF32(M: number, N: number, K: number, a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, out: Float32Array, outOffset: number): void {
  for (let n0 = 0; n0 < N; n0 += BLOCK_N) {
    const n1 = Math.min(N, n0 + BLOCK_N);
    for (let k0 = 0; k0 < K; k0 += BLOCK_K) {
      const k1 = Math.min(K, k0 + BLOCK_K);
      let m = 0;
      // 4 output rows x 2 k per pass: each loaded b feeds four multiply-adds.
      for (; m + 3 < M; m += 4) {
        const r0 = outOffset + m * N;
        const r1 = r0 + N;
        const r2 = r1 + N;
        const r3 = r2 + N;
        const a0 = aOffset + m * K;
        let k = k0;
        for (; k + 1 < k1; k += 2) {
          const x00 = a[a0 + k]!, x01 = a[a0 + k + 1]!;
          const x10 = a[a0 + K + k]!, x11 = a[a0 + K + k + 1]!;
          const x20 = a[a0 + 2 * K + k]!, x21 = a[a0 + 2 * K + k + 1]!;
          const x30 = a[a0 + 3 * K + k]!, x31 = a[a0 + 3 * K + k + 1]!;
          const b0 = bOffset + k * N;
          const b1 = b0 + N;
          for (let n = n0; n < n1; n++) {
            const y0 = b[b0 + n]!;
            const y1 = b[b1 + n]!;
            out[r0 + n] = out[r0 + n]! + x00 * y0 + x01 * y1;
            out[r1 + n] = out[r1 + n]! + x10 * y0 + x11 * y1;
            out[r2 + n] = out[r2 + n]! + x20 * y0 + x21 * y1;
            out[r3 + n] = out[r3 + n]! + x30 * y0 + x31 * y1;
          }
        }
        for (; k < k1; k++) {
          const x0 = a[a0 + k]!, x1 = a[a0 + K + k]!, x2 = a[a0 + 2 * K + k]!, x3 = a[a0 + 3 * K + k]!;
          const b0 = bOffset + k * N;
          for (let n = n0; n < n1; n++) {
            const y = b[b0 + n]!;
            out[r0 + n] = out[r0 + n]! + x0 * y;
            out[r1 + n] = out[r1 + n]! + x1 * y;
            out[r2 + n] = out[r2 + n]! + x2 * y;
            out[r3 + n] = out[r3 + n]! + x3 * y;
          }
        }
      }
      for (; m < M; m++) {
        const row = outOffset + m * N;
        const aRow = aOffset + m * K;
        for (let k = k0; k < k1; k++) {
          const x = a[aRow + k]!;
          if (x === 0) continue;
          const b0 = bOffset + k * N;
          for (let n = n0; n < n1; n++) out[row + n] = out[row + n]! + x * b[b0 + n]!;
        }
      }
    }
  }
}

function gemmF64(M: number, N: number, K: number, a: FloatArray, aOffset: number, b: FloatArray, bOffset: number, out: FloatArray, outOffset: number): void {
  for (let n0 = 0; n0 < N; n0 += BLOCK_N) {
    const n1 = Math.min(N, n0 + BLOCK_N);
    for (let k0 = 0; k0 < K; k0 += BLOCK_K) {
      const k1 = Math.min(K, k0 + BLOCK_K);
      for (let m = 0; m < M; m++) {
        const row = outOffset + m * N;
        const aRow = aOffset + m * K;
        for (let k = k0; k < k1; k++) {
          const x = a[aRow + k]!;
          if (x === 0) continue;
          const b0 = bOffset + k * N;
          for (let n = n0; n < n1; n++) out[row + n] = out[row + n]! + x * b[b0 + n]!;
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
