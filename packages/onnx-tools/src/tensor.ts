/**
 * Tensor element types, spelled as onnxruntime spells them (`float32`, `int64`, `bool`, ...),
 * plus the ONNX types onnxruntime-node has no name for.
 */
export type TensorType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'bool'
  | 'string'
  | 'int4'
  | 'uint4'
  | 'int2'
  | 'uint2'
  | 'float4e2m1'
  | 'float8e8m0'
  | 'float8e4m3fn'
  | 'float8e4m3fnuz'
  | 'float8e5m2'
  | 'float8e5m2fnuz'
  | 'complex64'
  | 'complex128';

/** The typed array that holds each {@link TensorType}'s elements. */
export interface TensorDataMap {
  float32: Float32Array;
  float64: Float64Array;
  /** IEEE half-precision bit patterns. */
  float16: Uint16Array;
  /** bfloat16 bit patterns. */
  bfloat16: Uint16Array;
  int8: Int8Array;
  uint8: Uint8Array;
  int16: Int16Array;
  uint16: Uint16Array;
  int32: Int32Array;
  uint32: Uint32Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
  /** 0 or 1 per element. */
  bool: Uint8Array;
  string: string[];
  /** One element per byte, sign-extended (unpacked from ONNX's two-per-byte storage). */
  int4: Int8Array;
  /** One element per byte (unpacked from ONNX's two-per-byte storage). */
  uint4: Uint8Array;
  /** One element per byte, sign-extended (unpacked from ONNX's four-per-byte storage). */
  int2: Int8Array;
  /** One element per byte (unpacked from ONNX's four-per-byte storage). */
  uint2: Uint8Array;
  /** One 4-bit code (sign, 2 exponent bits, 1 mantissa bit) per byte, unpacked from two-per-byte storage. */
  float4e2m1: Uint8Array;
  /** One exponent-only code (2^(code - 127); 0xff is NaN) per byte. */
  float8e8m0: Uint8Array;
  float8e4m3fn: Uint8Array;
  float8e4m3fnuz: Uint8Array;
  float8e5m2: Uint8Array;
  float8e5m2fnuz: Uint8Array;
  /** Interleaved real, imaginary. */
  complex64: Float32Array;
  /** Interleaved real, imaginary. */
  complex128: Float64Array;
}

/**
 * A tensor as onnxruntime-node names its fields: element `type`, `dims` (row-major) and `data`
 * (a typed array of `product(dims)` elements; `int64` as BigInt64Array, `float16` as Uint16Array
 * bits, `bool` as Uint8Array).
 *
 * @example
 * ```ts
 * const x: Tensor = { type: 'float32', dims: [1, 3], data: new Float32Array([1, 2, 3]) };
 * ```
 */
export interface Tensor<T extends TensorType = TensorType> {
  type: T;
  dims: readonly number[];
  data: TensorDataMap[T];
}
