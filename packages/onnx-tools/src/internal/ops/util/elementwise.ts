// Element-wise kernels shared by the unary, binary and variadic ops.
import type { Tensor, TensorType } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { allocate, type BigIntArray, expectType, isBigIntType, makeTensor, type NumberArray, numbersToData, SUB_BYTE_INT_TYPES, toNumbers } from './dtype.js';
import { broadcastIndex, broadcastShapes } from './shape.js';

/** Types whose number view can be written straight into the output storage. */
function isPlainNumberType(type: TensorType): boolean {
  return !(isBigIntType(type) || type === 'float16' || type === 'bfloat16' || type === 'string' || type.startsWith('float8') || type === 'float4e2m1' || type.startsWith('complex') || SUB_BYTE_INT_TYPES.includes(type));
}

/** Applies `fn` to every element; int64/uint64 use `bigFn` when given (exact), else numbers. */
export function mapUnary(
  context: OpContext,
  x: Tensor,
  supported: readonly TensorType[],
  fn: (v: number) => number,
  bigFn?: (v: bigint) => bigint,
  outType: TensorType = x.type,
): Tensor {
  expectType(context, x, supported);
  const n = x.data.length;
  if (bigFn && isBigIntType(x.type) && isBigIntType(outType)) {
    const source = x.data as BigIntArray;
    const out = allocate(outType, n) as BigIntArray;
    for (let i = 0; i < n; i++) out[i] = bigFn(source[i]!);
    return makeTensor(outType, x.dims, out);
  }
  const values = toNumbers(x);
  if (isPlainNumberType(outType)) {
    const out = allocate(outType, n) as NumberArray;
    for (let i = 0; i < n; i++) out[i] = fn(values[i]!);
    return makeTensor(outType, x.dims, out);
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = fn(values[i]!);
  return makeTensor(outType, x.dims, numbersToData(outType, out));
}

/**
 * Broadcasting binary op. `fn` sees numbers (half types decoded); when both inputs are
 * int64/uint64 and `bigFn` is given it sees bigints instead, so 64-bit results are exact.
 */
export function mapBinary(
  context: OpContext,
  a: Tensor,
  b: Tensor,
  supported: readonly TensorType[],
  fn: (x: number, y: number) => number,
  bigFn?: (x: bigint, y: bigint) => bigint,
  outType: TensorType = a.type,
): Tensor {
  expectType(context, a, supported);
  expectType(context, b, supported);
  const dims = broadcastShapes(context, [a.dims, b.dims]);
  const mapA = broadcastIndex(dims, a.dims);
  const mapB = broadcastIndex(dims, b.dims);
  let n = 1;
  for (const d of dims) n *= d;
  if (bigFn && isBigIntType(a.type) && isBigIntType(b.type) && isBigIntType(outType)) {
    const av = a.data as BigIntArray;
    const bv = b.data as BigIntArray;
    const out = allocate(outType, n) as BigIntArray;
    for (let i = 0; i < n; i++) out[i] = bigFn(av[mapA ? mapA[i]! : i]!, bv[mapB ? mapB[i]! : i]!);
    return makeTensor(outType, dims, out);
  }
  const av = toNumbers(a);
  const bv = toNumbers(b);
  const out = isPlainNumberType(outType) ? (allocate(outType, n) as NumberArray) : new Float64Array(n);
  if (!mapA && !mapB) for (let i = 0; i < n; i++) out[i] = fn(av[i]!, bv[i]!);
  else if (!mapA && mapB) for (let i = 0; i < n; i++) out[i] = fn(av[i]!, bv[mapB[i]!]!);
  else for (let i = 0; i < n; i++) out[i] = fn(av[mapA ? mapA[i]! : i]!, bv[mapB ? mapB[i]! : i]!);
  if (isPlainNumberType(outType)) return makeTensor(outType, dims, out);
  return makeTensor(outType, dims, numbersToData(outType, out));
}

/** Broadcasting comparison producing bool; works for numbers, bigints and strings. */
export function compareBinary(
  context: OpContext,
  a: Tensor,
  b: Tensor,
  supported: readonly TensorType[],
  test: (x: number | bigint | string, y: number | bigint | string) => boolean,
): Tensor {
  expectType(context, a, supported);
  expectType(context, b, supported);
  const dims = broadcastShapes(context, [a.dims, b.dims]);
  const mapA = broadcastIndex(dims, a.dims);
  const mapB = broadcastIndex(dims, b.dims);
  const useRaw = a.type === b.type && (isBigIntType(a.type) || a.type === 'string');
  const av: ArrayLike<number | bigint | string> = useRaw ? (a.data as ArrayLike<bigint | string>) : toNumbers(a);
  const bv: ArrayLike<number | bigint | string> = useRaw ? (b.data as ArrayLike<bigint | string>) : toNumbers(b);
  let n = 1;
  for (const d of dims) n *= d;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = test(av[mapA ? mapA[i]! : i]!, bv[mapB ? mapB[i]! : i]!) ? 1 : 0;
  return makeTensor('bool', dims, out);
}
