// Element-type helpers: allocation per TensorType, number views of any numeric tensor, and the
// inverse (numbers -> tensor of a given type).
import type { Tensor, TensorDataMap, TensorType } from '../../../tensor.js';
import type { OpContext } from '../contract.js';
import { unsupportedDtype } from './errors.js';
import { decodeHalfArray, encodeHalfArray } from './float16.js';
import { decodeFloat4, encodeFloat4 } from './float4.js';
import { decodeFloat8, encodeFloat8 } from './float8.js';
import { decodeFloat8E8M0, encodeFloat8E8M0 } from './float8e8m0.js';

export const FLOAT_TYPES: readonly TensorType[] = ['float32', 'float64', 'float16', 'bfloat16'];
export const SIGNED_INT_TYPES: readonly TensorType[] = ['int8', 'int16', 'int32', 'int64'];
export const UNSIGNED_INT_TYPES: readonly TensorType[] = ['uint8', 'uint16', 'uint32', 'uint64'];
export const INT_TYPES: readonly TensorType[] = [...SIGNED_INT_TYPES, ...UNSIGNED_INT_TYPES];
export const NUMERIC_TYPES: readonly TensorType[] = [...FLOAT_TYPES, ...INT_TYPES];
export const SIGNED_NUMERIC_TYPES: readonly TensorType[] = [...FLOAT_TYPES, ...SIGNED_INT_TYPES];
export const FLOAT8_TYPES: readonly TensorType[] = ['float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'];
/** Integers narrower than a byte, stored one element per byte. */
export const SUB_BYTE_INT_TYPES: readonly TensorType[] = ['int4', 'uint4', 'int2', 'uint2'];
/** Every float type narrower than 16 bits. */
export const LOW_FLOAT_TYPES: readonly TensorType[] = [...FLOAT8_TYPES, 'float8e8m0', 'float4e2m1'];

/** Any typed array that holds plain numbers. */
export type NumberArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array;
export type BigIntArray = BigInt64Array | BigUint64Array;
/** Element storage of any tensor. */
export type AnyArray = NumberArray | BigIntArray | string[];

/** ONNX data_type enum values, by Kiln type name. */
export const ONNX_DATA_TYPE: Readonly<Record<TensorType, number>> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, string: 8, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13, complex64: 14, complex128: 15, bfloat16: 16,
  float8e4m3fn: 17, float8e4m3fnuz: 18, float8e5m2: 19, float8e5m2fnuz: 20, uint4: 21, int4: 22,
  float4e2m1: 23, float8e8m0: 24, uint2: 25, int2: 26,
};

const BY_ENUM = new Map<number, TensorType>(Object.entries(ONNX_DATA_TYPE).map(([name, code]) => [code, name as TensorType]));

/** Kiln type name of an ONNX data_type enum value, or undefined. */
export function typeFromOnnx(code: number): TensorType | undefined {
  return BY_ENUM.get(code);
}

export function isFloatType(type: TensorType): boolean {
  return type === 'float32' || type === 'float64' || type === 'float16' || type === 'bfloat16';
}

export function isBigIntType(type: TensorType): type is 'int64' | 'uint64' {
  return type === 'int64' || type === 'uint64';
}

/** Zero-filled storage for `count` elements of `type`. */
export function allocate<T extends TensorType>(type: T, count: number): TensorDataMap[T] {
  return allocateAny(type, count) as TensorDataMap[T];
}

function allocateAny(type: TensorType, count: number): AnyArray {
  switch (type) {
    case 'float32': return new Float32Array(count);
    case 'float64': return new Float64Array(count);
    case 'float16': case 'bfloat16': case 'uint16': return new Uint16Array(count);
    case 'int8': case 'int4': case 'int2': return new Int8Array(count);
    case 'uint8': case 'bool': case 'uint4': case 'uint2': return new Uint8Array(count);
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz': case 'float8e8m0': case 'float4e2m1':
      return new Uint8Array(count);
    case 'int16': return new Int16Array(count);
    case 'int32': return new Int32Array(count);
    case 'uint32': return new Uint32Array(count);
    case 'int64': return new BigInt64Array(count);
    case 'uint64': return new BigUint64Array(count);
    case 'string': return new Array<string>(count).fill('');
    case 'complex64': return new Float32Array(2 * count);
    case 'complex128': return new Float64Array(2 * count);
  }
}

/** Builds a tensor; `data` must already be the storage `type` uses. */
export function makeTensor<T extends TensorType>(type: T, dims: readonly number[], data: TensorDataMap[T]): Tensor<T> {
  return { type, dims: [...dims], data };
}

/**
 * The elements of a numeric or bool tensor as plain numbers. float16/bfloat16/float8/float4 are
 * decoded to float32; int64/uint64 are converted to float64 (exact up to 2^53). Other types are returned
 * as-is (no copy), so callers must not write into the result.
 */
export function toNumbers(tensor: Tensor): NumberArray {
  switch (tensor.type) {
    case 'float16': return decodeHalfArray(tensor.data as Uint16Array, false);
    case 'bfloat16': return decodeHalfArray(tensor.data as Uint16Array, true);
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
      return decodeFloat8(tensor.data as Uint8Array, tensor.type);
    case 'float8e8m0': return decodeFloat8E8M0(tensor.data as Uint8Array);
    case 'float4e2m1': return decodeFloat4(tensor.data as Uint8Array);
    case 'int64': case 'uint64': {
      const source = tensor.data as BigIntArray;
      const out = new Float64Array(source.length);
      for (let i = 0; i < source.length; i++) out[i] = Number(source[i]!);
      return out;
    }
    case 'string': case 'complex64': case 'complex128':
      throw new TypeError(`toNumbers: ${tensor.type} tensors have no number view`);
    default: return tensor.data as NumberArray;
  }
}

/**
 * A tensor of `type` from plain numbers. Floats narrower than the source are rounded (float16,
 * bfloat16, float8, float4 round to nearest even; float8e8m0 rounds up to a power of two);
 * integer types take `Math.trunc` then wrap as typed arrays do (2- and 4-bit ones to their own
 * width); bool is `value !== 0`.
 */
export function fromNumbers<T extends TensorType>(type: T, dims: readonly number[], values: ArrayLike<number>): Tensor<T> {
  return makeTensor(type, dims, numbersToData(type, values) as TensorDataMap[T]);
}

export function numbersToData(type: TensorType, values: ArrayLike<number>): AnyArray {
  const n = values.length;
  switch (type) {
    case 'float16': return encodeHalfArray(values, false);
    case 'bfloat16': return encodeHalfArray(values, true);
    case 'float8e4m3fn': case 'float8e4m3fnuz': case 'float8e5m2': case 'float8e5m2fnuz':
      return encodeFloat8(values, type, true);
    case 'float8e8m0': return encodeFloat8E8M0(values);
    case 'float4e2m1': return encodeFloat4(values);
    case 'int4': case 'uint4': case 'int2': case 'uint2': return wrapSubByte(type, values);
    case 'int64': {
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = toBigInt(values[i]!);
      return out;
    }
    case 'uint64': {
      const out = new BigUint64Array(n);
      for (let i = 0; i < n; i++) out[i] = toBigInt(values[i]!);
      return out;
    }
    case 'bool': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = values[i] !== 0 ? 1 : 0;
      return out;
    }
    case 'string': case 'complex64': case 'complex128':
      throw new TypeError(`fromNumbers: cannot build ${type} from numbers`);
    default: {
      const out = allocateAny(type, n) as NumberArray;
      if (type === 'float32' || type === 'float64') out.set(values);
      else for (let i = 0; i < n; i++) out[i] = Math.trunc(values[i]!);
      return out;
    }
  }
}

/** Truncated values wrapped to a 2- or 4-bit integer type (two's complement for the signed ones). */
export function wrapSubByte(type: TensorType, values: ArrayLike<number>): Int8Array | Uint8Array {
  const bits = type === 'int4' || type === 'uint4' ? 4 : 2;
  const signed = type === 'int4' || type === 'int2';
  const modulus = 1 << bits;
  const out = signed ? new Int8Array(values.length) : new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const low = Number.isFinite(v) ? ((Math.trunc(v) % modulus) + modulus) % modulus : 0;
    out[i] = signed && low >= modulus / 2 ? low - modulus : low;
  }
  return out;
}

function toBigInt(value: number): bigint {
  if (Number.isNaN(value)) return 0n;
  if (!Number.isFinite(value)) return value > 0 ? 0x7fffffffffffffffn : -0x8000000000000000n;
  return BigInt(Math.trunc(value));
}

/** Throws ERR_UNSUPPORTED_DTYPE unless `tensor.type` is one of `supported`. */
export function expectType(context: OpContext, tensor: Tensor, supported: readonly TensorType[], what = 'input'): void {
  if (!supported.includes(tensor.type)) throw unsupportedDtype(context, tensor.type, supported, what);
}

/** Number of elements of a shape. */
export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}
