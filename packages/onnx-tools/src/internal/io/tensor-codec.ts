// TensorProto <-> Tensor. Numeric payloads are written as little-endian raw_data; reading accepts
// raw_data and every typed field ONNX allows for the element type.
import { create } from '@bufbuild/protobuf';
import { KilnError } from '@kiln/common';
import type { Tensor, TensorDataMap, TensorType } from '../../tensor.js';
import { type ElementType, elementBits, elementTypeCode, elementTypeFromCode, isTensorType } from '../ir/dtype.js';
import { type TensorProto, TensorProtoSchema, TensorProto_DataLocation } from '../proto/onnx_pb.js';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

type NumericData = Exclude<TensorDataMap[TensorType], string[]>;
interface ArrayConstructor {
  new (length: number): NumericData;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericData;
  readonly BYTES_PER_ELEMENT: number;
}

const ARRAYS: Record<Exclude<TensorType, 'string'>, ArrayConstructor> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array,
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array, bool: Uint8Array,
  int4: Int8Array, uint4: Uint8Array, int2: Int8Array, uint2: Uint8Array, float4e2m1: Uint8Array,
  float8e8m0: Uint8Array, float8e4m3fn: Uint8Array, float8e4m3fnuz: Uint8Array,
  float8e5m2: Uint8Array, float8e5m2fnuz: Uint8Array, complex64: Float32Array, complex128: Float64Array,
};

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

function typedArrayLength(type: TensorType, count: number): number {
  return type === 'complex64' || type === 'complex128' ? count * 2 : count;
}

/** The element type and dims of a TensorProto, validated. */
export function tensorHeader(proto: TensorProto, where: string): { dtype: ElementType; dims: number[] } {
  const dtype = elementTypeFromCode(proto.dataType);
  if (dtype === undefined) {
    throw new KilnError('ERR_ONNX_PARSE', 'Tensor has an unknown or missing data_type', {
      where, expected: 'a TensorProto.DataType code 1..26', found: String(proto.dataType),
      hint: 'the file is corrupt or was written by a newer ONNX; re-export it',
    });
  }
  const dims = proto.dims.map((d) => Number(d));
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    throw new KilnError('ERR_ONNX_PARSE', 'Tensor has an invalid dimension', {
      where, expected: 'non-negative integer dims', found: `[${dims.join(', ')}]`,
    });
  }
  return { dtype, dims };
}

/**
 * Decode a TensorProto's values. `external` is the payload of an EXTERNAL tensor (already read
 * from its file). Validates sizes before allocating anything.
 */
export function decodeTensor(proto: TensorProto, where: string, external?: Uint8Array): Tensor {
  const { dtype, dims } = tensorHeader(proto, where);
  if (!isTensorType(dtype)) {
    throw new KilnError('ERR_ONNX_DTYPE', `Tensor element type ${dtype} has no typed-array representation`, {
      where, expected: 'one of the Tensor types', found: dtype, hint: 'keep the tensor encoded (it is saved unchanged) or convert it to a supported type',
    });
  }
  const count = elementCount(dims);
  const bad = (field: string, found: number, expected: number) =>
    new KilnError('ERR_ONNX_PARSE', `Tensor ${field} holds the wrong number of values for its dims`, {
      where, expected: `${expected} for dims [${dims.join(', ')}] (${dtype})`, found: String(found),
      hint: 'the file is truncated or corrupt; re-export the model',
    });
  if (dtype === 'string') {
    if (proto.stringData.length !== count) throw bad('string_data', proto.stringData.length, count);
    return { type: 'string', dims, data: proto.stringData.map((bytes) => utf8Decoder.decode(bytes)) };
  }
  const raw = external ?? (proto.dataLocation === TensorProto_DataLocation.EXTERNAL ? undefined : proto.rawData);
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL && external === undefined) {
    throw new KilnError('ERR_ONNX_EXTERNAL_DATA', 'Tensor data is stored externally but was not loaded', {
      where, hint: 'load the model from its file path (load(path)) so external data next to it can be read',
    });
  }
  if (raw !== undefined && (raw.length > 0 || hasNoTypedData(proto))) {
    const expectedBytes = Math.ceil((count * elementBits(dtype)) / 8);
    if (raw.length !== expectedBytes) throw bad('raw_data', raw.length, expectedBytes);
    return { type: dtype, dims, data: fromRaw(dtype, raw, count, external !== undefined) } as Tensor;
  }
  return { type: dtype, dims, data: fromTypedFields(proto, dtype, count, bad) } as Tensor;
}

function hasNoTypedData(proto: TensorProto): boolean {
  return proto.floatData.length === 0 && proto.int32Data.length === 0 && proto.int64Data.length === 0 &&
    proto.doubleData.length === 0 && proto.uint64Data.length === 0;
}

/** Bits per element of the types ONNX packs several to a byte (low bits first); 0 for the rest. */
function packedBits(dtype: TensorType): number {
  if (dtype === 'int4' || dtype === 'uint4' || dtype === 'float4e2m1') return 4;
  if (dtype === 'int2' || dtype === 'uint2') return 2;
  return 0;
}

/**
 * The typed array of a raw little-endian payload. An external payload that owns its whole,
 * aligned buffer (read from disk for this tensor alone) is adopted as is: no copy.
 */
function fromRaw(dtype: Exclude<TensorType, 'string'>, raw: Uint8Array, count: number, external: boolean): TensorDataMap[TensorType] {
  const bits = packedBits(dtype);
  if (bits > 0) return unpackBits(raw, count, bits, dtype === 'int4' || dtype === 'int2');
  const Ctor = ARRAYS[dtype];
  const length = typedArrayLength(dtype, count);
  const ownsBuffer = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
  if (external && ownsBuffer && raw.byteLength === length * Ctor.BYTES_PER_ELEMENT) return new Ctor(raw.buffer, 0, length);
  const out = new Ctor(length);
  // One copy, into an aligned buffer (raw_data is usually an unaligned view into the file).
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(raw);
  return out;
}

/** One element per byte from `8 / bits` elements per byte, low bits first; signed values are sign-extended. */
function unpackBits(packed: ArrayLike<number>, count: number, bits: number, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(count) : new Uint8Array(count);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  for (let i = 0; i < count; i++) {
    const byte = (packed[Math.floor(i / perByte)] as number) & 0xff;
    const value = (byte >> ((i % perByte) * bits)) & mask;
    out[i] = signed && value >= half ? value - (1 << bits) : value;
  }
  return out;
}

/** The inverse of {@link unpackBits}: keeps the low `bits` of each element. */
function packBits(data: ArrayLike<number>, bits: number): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(data.length / perByte));
  for (let i = 0; i < data.length; i++) {
    const index = Math.floor(i / perByte);
    out[index] = (out[index] as number) | (((data[i] as number) & mask) << ((i % perByte) * bits));
  }
  return out;
}

function fromTypedFields(
  proto: TensorProto,
  dtype: Exclude<TensorType, 'string'>,
  count: number,
  bad: (field: string, found: number, expected: number) => KilnError,
): TensorDataMap[TensorType] {
  const length = typedArrayLength(dtype, count);
  const check = (field: string, found: number, expected = length) => {
    if (found !== expected) throw bad(field, found, expected);
  };
  switch (dtype) {
    case 'float32':
    case 'complex64':
      check('float_data', proto.floatData.length);
      return Float32Array.from(proto.floatData);
    case 'float64':
    case 'complex128':
      check('double_data', proto.doubleData.length);
      return Float64Array.from(proto.doubleData);
    case 'int64':
      check('int64_data', proto.int64Data.length);
      return BigInt64Array.from(proto.int64Data, (v) => BigInt(v));
    case 'uint32':
      check('uint64_data', proto.uint64Data.length);
      return Uint32Array.from(proto.uint64Data, (v) => Number(v));
    case 'uint64':
      check('uint64_data', proto.uint64Data.length);
      return BigUint64Array.from(proto.uint64Data, (v) => BigInt(v));
    case 'int4':
    case 'uint4':
    case 'float4e2m1':
    case 'int2':
    case 'uint2': {
      const bits = packedBits(dtype);
      check('int32_data', proto.int32Data.length, Math.ceil((count * bits) / 8));
      return unpackBits(proto.int32Data, count, bits, dtype === 'int4' || dtype === 'int2');
    }
    default: {
      // int32_data carries int32, int16, int8, uint16, uint8, bool, float16/bfloat16 bits, float8.
      check('int32_data', proto.int32Data.length);
      const Ctor = ARRAYS[dtype];
      const out = new Ctor(length) as Int32Array;
      for (let i = 0; i < length; i++) out[i] = proto.int32Data[i] as number;
      return out as TensorDataMap[TensorType];
    }
  }
}

/** The little-endian raw bytes ONNX stores for a tensor's values (not for strings). */
export function rawBytes(tensor: Tensor): Uint8Array {
  if (tensor.type === 'string') throw new Error('strings have no raw bytes');
  const data = tensor.data as Exclude<TensorDataMap[TensorType], string[]>;
  const bits = packedBits(tensor.type);
  if (bits > 0) return packBits(data as ArrayLike<number>, bits);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Encode a tensor as a TensorProto (raw_data for numbers, string_data for strings). */
export function encodeTensor(tensor: Tensor, name = ''): TensorProto {
  const proto = create(TensorProtoSchema, {
    name,
    dims: tensor.dims.map((d) => BigInt(d)),
    dataType: elementTypeCode(tensor.type),
  });
  if (tensor.type === 'string') proto.stringData = (tensor.data as string[]).map((s) => utf8Encoder.encode(s));
  else proto.rawData = rawBytes(tensor).slice();
  return proto;
}

/** Byte size of a tensor's payload as stored (strings: sum of UTF-8 lengths). */
export function payloadBytes(dtype: ElementType, dims: readonly number[]): number {
  return Math.ceil((elementCount(dims) * elementBits(dtype)) / 8);
}

/**
 * Check that a tensor's payload (raw_data, typed fields or external bytes) has the size its
 * dims and type say, without decoding it.
 */
export function validatePayload(proto: TensorProto, dtype: ElementType, dims: readonly number[], where: string, external?: Uint8Array): void {
  const count = elementCount(dims);
  const fail = (found: string, expected: string) =>
    new KilnError('ERR_ONNX_PARSE', 'Tensor payload size does not match its dims', {
      where, expected, found, hint: 'the file is truncated or corrupt; re-export the model',
    });
  if (dtype === 'string') {
    if (proto.stringData.length !== count) throw fail(`${proto.stringData.length} strings`, `${count} strings`);
    return;
  }
  if (proto.dataLocation === TensorProto_DataLocation.EXTERNAL && external === undefined) {
    throw new KilnError('ERR_ONNX_EXTERNAL_DATA', 'Tensor data is stored in an external file that was not read', {
      where, hint: 'load the model with load(path) so files next to it can be read',
    });
  }
  const bytes = payloadBytes(dtype, dims);
  const raw = external ?? (proto.dataLocation === TensorProto_DataLocation.EXTERNAL ? undefined : proto.rawData);
  if (raw !== undefined && (raw.length > 0 || hasNoTypedData(proto))) {
    if (raw.length !== bytes) throw fail(`${raw.length} bytes`, `${bytes} bytes for dims [${dims.join(', ')}] (${dtype})`);
    return;
  }
  const typed = proto.floatData.length + proto.int32Data.length + proto.int64Data.length + proto.doubleData.length + proto.uint64Data.length;
  const packed = dtype === 'int4' || dtype === 'uint4' || dtype === 'float4e2m1' ? Math.ceil(count / 2) : dtype === 'uint2' || dtype === 'int2' ? Math.ceil(count / 4) : dtype === 'complex64' || dtype === 'complex128' ? count * 2 : count;
  if (typed !== packed) throw fail(`${typed} values`, `${packed} values for dims [${dims.join(', ')}] (${dtype})`);
}
