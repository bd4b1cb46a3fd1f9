// numpy-style batched matmul on float arrays, shared by MatMul, Gemm and the integer variants.
import type { Tensor } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { sizeOf, toNumbers } from './dtype.js';
import { evaluateError } from './errors.js';
import { type FloatArray, gemmAccumulate } from './gemm.js';
import { broadcastIndex, broadcastShapes } from './shape.js';

/** Values as a float array to multiply in: float32 for float32/half types, float64 otherwise. */
export function asFloatArray(t: Tensor): FloatArray {
  if (t.type === 'float32' || t.type === 'float64') return t.data as FloatArray;
  const values = toNumbers(t);
  return t.type === 'float16' || t.type === 'bfloat16' ? (values as Float32Array) : Float64Array.from(values);
}

/** A zeroed array of the same float width as `a`. */
export function newLike(a: FloatArray, n: number): FloatArray {
  return a instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
}

/** numpy matmul of two float arrays with shapes; returns values and dims. */
export function matmulValues(context: OpContext, a: FloatArray, aDims: readonly number[], b: FloatArray, bDims: readonly number[]): { values: FloatArray; dims: number[] } {
  const aShape = aDims.length === 1 ? [1, aDims[0]!] : [...aDims];
  const bShape = bDims.length === 1 ? [bDims[0]!, 1] : [...bDims];
  const M = aShape[aShape.length - 2]!;
  const K = aShape[aShape.length - 1]!;
  const K2 = bShape[bShape.length - 2]!;
  const N = bShape[bShape.length - 1]!;
  if (K !== K2) throw evaluateError(context, 'inner dimensions differ', { expected: `A [..,M,K] and B [..,K,N]`, found: `[${aDims.join(',')}] x [${bDims.join(',')}]` });
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes(context, [aBatch, bBatch]);
  const batchCount = sizeOf(batch);
  const mapA = broadcastIndex(batch, aBatch);
  const mapB = broadcastIndex(batch, bBatch);
  const out = newLike(a, batchCount * M * N);
  const b32 = a instanceof Float32Array && !(b instanceof Float32Array) ? Float32Array.from(b) : b;
  for (let i = 0; i < batchCount; i++) {
    const ai = mapA ? mapA[i]! : aBatch.length === 0 ? 0 : i;
    const bi = mapB ? mapB[i]! : bBatch.length === 0 ? 0 : i;
    gemmAccumulate(M, N, K, a, ai * M * K, b32, bi * K * N, out, i * M * N);
  }
  const dims = [...batch];
  if (aDims.length !== 1) dims.push(M);
  if (bDims.length !== 1) dims.push(N);
  return { values: out, dims };
}

/**
 * Integer values minus a zero point: per tensor, per row of A (`axisFromEnd` 2) or per column
 * of B (`axisFromEnd` 1).
 */
export function centeredMatrix(t: Tensor, zeroPoint: Tensor | undefined, axisFromEnd: 1 | 2): Float64Array {
  const values = Float64Array.from(toNumbers(t));
  if (!zeroPoint) return values;
  const zp = toNumbers(zeroPoint);
  if (zp.length === 1) {
    for (let i = 0; i < values.length; i++) values[i] = values[i]! - zp[0]!;
    return values;
  }
  const cols = t.dims[t.dims.length - 1]!;
  const rows = t.dims[t.dims.length - 2] ?? 1;
  for (let i = 0; i < values.length; i++) {
    const index = axisFromEnd === 1 ? i % cols : Math.floor(i / cols) % rows;
    values[i] = values[i]! - zp[index % zp.length]!;
  }
  return values;
}
