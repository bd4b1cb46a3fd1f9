import type { TensorType } from '../../tensor.js';

/** Element type of an IR tensor: every ONNX tensor element type (all have a `Tensor` representation). */
export type ElementType = TensorType;

/** ONNX `TensorProto.DataType` codes, indexed by code. */
const BY_CODE: readonly (ElementType | undefined)[] = [
  undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool',
  'float16', 'float64', 'uint32', 'uint64', 'complex64', 'complex128', 'bfloat16', 'float8e4m3fn',
  'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'uint4', 'int4', 'float4e2m1', 'float8e8m0',
  'uint2', 'int2',
];

const CODES = new Map<ElementType, number>();
BY_CODE.forEach((type, code) => {
  if (type !== undefined) CODES.set(type, code);
});

/** The element type for an ONNX data-type code, or `undefined` for 0/unknown codes. */
export function elementTypeFromCode(code: number): ElementType | undefined {
  return BY_CODE[code];
}

/** The ONNX data-type code of an element type. */
export function elementTypeCode(type: ElementType): number {
  const code = CODES.get(type);
  if (code === undefined) throw new Error(`unknown element type ${type}`);
  return code;
}

/** Bits per element in ONNX's raw storage (`raw_data`); 0 for strings. */
export function elementBits(type: ElementType): number {
  switch (type) {
    case 'string':
      return 0;
    case 'uint2':
    case 'int2':
      return 2;
    case 'uint4':
    case 'int4':
    case 'float4e2m1':
      return 4;
    case 'int8':
    case 'uint8':
    case 'bool':
    case 'float8e4m3fn':
    case 'float8e4m3fnuz':
    case 'float8e5m2':
    case 'float8e5m2fnuz':
    case 'float8e8m0':
      return 8;
    case 'int16':
    case 'uint16':
    case 'float16':
    case 'bfloat16':
      return 16;
    case 'float32':
    case 'int32':
    case 'uint32':
      return 32;
    case 'float64':
    case 'int64':
    case 'uint64':
    case 'complex64':
      return 64;
    case 'complex128':
      return 128;
  }
}

/** True when `type` is one of the public {@link TensorType}s (decodable into a `Tensor`); today every element type is. */
export function isTensorType(type: ElementType): type is TensorType {
  return CODES.has(type);
}
