import { type ElementType, elementTypeFromCode } from '../ir/dtype.js';

/** The element type for an ONNX `TensorProto.DataType` number (undefined for 0 or unknown codes). */
export function elementTypeFromOnnx(dataType: number): ElementType | undefined {
  return elementTypeFromCode(dataType);
}

const INTEGER_TYPES: ReadonlySet<ElementType> = new Set<ElementType>([
  'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64', 'int4', 'uint4', 'int2', 'uint2',
]);

export function isIntegerType(type: ElementType | undefined): boolean {
  return type !== undefined && INTEGER_TYPES.has(type);
}

export function isFloatType(type: ElementType | undefined): boolean {
  return type !== undefined && !INTEGER_TYPES.has(type) && type !== 'bool' && type !== 'string';
}
