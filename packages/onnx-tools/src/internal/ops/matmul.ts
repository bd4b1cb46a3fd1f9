// MatMul (numpy semantics, batched broadcasting), Gemm, MatMulInteger, QLinearMatMul.
import type { Tensor, TensorType } from '../../tensor.js';
import type { OpContext, OpRegistration } from './contract.js';
import { floatAttr, intAttr, requireInput } from './util/attributes.js';
import { defineOp } from './util/define.js';
import { expectType, fromNumbers, makeTensor, sizeOf, toNumbers } from './util/dtype.js';
import { evaluateError } from './util/errors.js';
import { type FloatArray, gemmAccumulate, transposeMatrix } from './util/gemm.js';
import { broadcastIndex, broadcastShapes } from './util/shape.js';

const MATMUL_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint32', 'uint64'];

/** Values as a float array to multiply in: float32 for float32/half types, float64 otherwise. */
export function asFloatArray(t: Tensor): FloatArray {
  if (t.type === 'float32' || t.type === 'float64') return t.data as FloatArray;
  const values = toNumbers(t);
  return t.type === 'float16' || t.type === 'bfloat16' ? (values as Float32Array) : Float64Array.from(values);
}

function newLike(a: FloatArray, n: number): FloatArray {
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

function matmul(context: OpContext, a: Tensor, b: Tensor): Tensor {
  expectType(context, a, MATMUL_TYPES);
  expectType(context, b, MATMUL_TYPES);
  const { values, dims } = matmulValues(context, asFloatArray(a), a.dims, asFloatArray(b), b.dims);
  if (a.type === 'float32' || a.type === 'float64') return makeTensor(a.type, dims, values as never);
  return fromNumbers(a.type, dims, values);
}

function gemm(context: OpContext, inputs: readonly (Tensor | undefined)[], attributes: ReadonlyMap<string, unknown>): Tensor {
  const attrs = attributes as never;
  const a = requireInput(context, inputs, 0);
  const b = requireInput(context, inputs, 1);
  expectType(context, a, MATMUL_TYPES);
  const transA = intAttr(attrs, 'transA', 0) === 1;
  const transB = intAttr(attrs, 'transB', 0) === 1;
  const alpha = floatAttr(attrs, 'alpha', 1);
  const beta = floatAttr(attrs, 'beta', 1);
  const [ar, ac] = a.dims as [number, number];
  const [br, bc] = b.dims as [number, number];
  const M = transA ? ac : ar;
  const K = transA ? ar : ac;
  const N = transB ? br : bc;
  if ((transB ? bc : br) !== K) throw evaluateError(context, 'inner dimensions differ', { found: `A [${a.dims.join(',')}] B [${b.dims.join(',')}] transA=${+transA} transB=${+transB}` });
  let av = asFloatArray(a);
  let bv = asFloatArray(b);
  if (av instanceof Float32Array && !(bv instanceof Float32Array)) bv = Float32Array.from(bv);
  if (transA) av = transposeMatrix(av, ar, ac);
  if (transB) bv = transposeMatrix(bv, br, bc);
  const out = newLike(av, M * N);
  gemmAccumulate(M, N, K, av, 0, bv, 0, out, 0);
  if (alpha !== 1) for (let i = 0; i < out.length; i++) out[i] = out[i]! * alpha;
  const c = inputs[2];
  if (c && beta !== 0) {
    const cv = toNumbers(c);
    const map = broadcastIndex([M, N], c.dims);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + beta * cv[map ? map[i]! : i]!;
  }
  if (a.type === 'float32' || a.type === 'float64') return makeTensor(a.type, [M, N], out as never);
  return fromNumbers(a.type, [M, N], out);
}

/** Integer values minus a zero point (per-tensor, per-row for A or per-column for B). */
function centered(t: Tensor, zeroPoint: Tensor | undefined, axisFromEnd: 1 | 2): Float64Array {
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

function matmulInteger(context: OpContext, inputs: readonly (Tensor | undefined)[]): Tensor {
  const a = requireInput(context, inputs, 0);
  const b = requireInput(context, inputs, 1);
  expectType(context, a, ['int8', 'uint8']);
  expectType(context, b, ['int8', 'uint8']);
  const { values, dims } = matmulValues(context, centered(a, inputs[2], 2), a.dims, centered(b, inputs[3], 1), b.dims);
  return fromNumbers('int32', dims, values);
}

function qlinearMatmul(context: OpContext, inputs: readonly (Tensor | undefined)[]): Tensor {
  const [a, aScale, aZero, b, bScale, bZero, yScale, yZero] = inputs;
  if (!a || !aScale || !b || !bScale || !yScale) throw evaluateError(context, 'missing required inputs', { expected: 'a, a_scale, b, b_scale, y_scale' });
  const av = centered(a, aZero, 2);
  const as = toNumbers(aScale);
  for (let i = 0; i < av.length; i++) av[i] = av[i]! * (as.length === 1 ? as[0]! : as[Math.floor(i / a.dims[a.dims.length - 1]!) % as.length]!);
  const bv = centered(b, bZero, 1);
  const bs = toNumbers(bScale);
  for (let i = 0; i < bv.length; i++) bv[i] = bv[i]! * (bs.length === 1 ? bs[0]! : bs[i % b.dims[b.dims.length - 1]! % bs.length]!);
  const { values, dims } = matmulValues(context, av, a.dims, bv, b.dims);
  const ys = toNumbers(yScale)[0]!;
  const yz = yZero ? toNumbers(yZero)[0]! : 0;
  const outType = yZero?.type ?? a.type;
  const [low, high] = outType === 'int8' ? [-128, 127] : [0, 255];
  for (let i = 0; i < values.length; i++) values[i] = Math.min(high, Math.max(low, roundHalfEven(values[i]! / ys) + yz));
  return fromNumbers(outType, dims, values);
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export const ops: OpRegistration[] = [
  defineOp('MatMul', 1, (inputs, _a, context) => [matmul(context, requireInput(context, inputs, 0), requireInput(context, inputs, 1))]),
  defineOp('Gemm', 1, (inputs, attributes, context) => [gemm(context, inputs, attributes)]),
  defineOp('MatMulInteger', 10, (inputs, _a, context) => [matmulInteger(context, inputs)]),
  defineOp('QLinearMatMul', 10, (inputs, _a, context) => [qlinearMatmul(context, inputs)]),
];
