// TypeProto / ValueInfoProto <-> Variable type fields.
import { create } from '@bufbuild/protobuf';
import { type ElementType, elementTypeCode, elementTypeFromCode } from '../ir/dtype.js';
import type { Shape, ValueType } from '../ir/value.js';
import {
  type TensorShapeProto, TensorShapeProtoSchema, TensorShapeProto_DimensionSchema, type TypeProto,
  TypeProtoSchema, TypeProto_MapSchema, TypeProto_OptionalSchema, TypeProto_SequenceSchema,
  TypeProto_SparseTensorSchema, TypeProto_TensorSchema,
} from '../proto/onnx_pb.js';

export function shapeFromProto(shape: TensorShapeProto | undefined): Shape | undefined {
  if (!shape) return undefined;
  return shape.dim.map((d) => {
    if (d.value.case === 'dimValue') return Number(d.value.value);
    if (d.value.case === 'dimParam') return d.value.value;
    return undefined;
  });
}

export function shapeToProto(shape: Shape): TensorShapeProto {
  return create(TensorShapeProtoSchema, {
    dim: shape.map((d) =>
      create(TensorShapeProto_DimensionSchema, {
        value: d === undefined ? { case: undefined } : typeof d === 'number' ? { case: 'dimValue', value: BigInt(d) } : { case: 'dimParam', value: d },
      }),
    ),
  });
}

export function valueTypeFromProto(type: TypeProto | undefined): ValueType | undefined {
  if (!type) return undefined;
  const v = type.value;
  switch (v.case) {
    case 'tensorType':
      return { kind: 'tensor', dtype: elementTypeFromCode(v.value.elemType), shape: shapeFromProto(v.value.shape) };
    case 'sparseTensorType':
      return { kind: 'sparse_tensor', dtype: elementTypeFromCode(v.value.elemType), shape: shapeFromProto(v.value.shape) };
    case 'sequenceType':
      return { kind: 'sequence', element: valueTypeFromProto(v.value.elemType) };
    case 'optionalType':
      return { kind: 'optional', element: valueTypeFromProto(v.value.elemType) };
    case 'mapType':
      return { kind: 'map', key: elementTypeFromCode(v.value.keyType), value: valueTypeFromProto(v.value.valueType) };
    default:
      return undefined;
  }
}

const code = (dtype: ElementType | undefined) => (dtype === undefined ? 0 : elementTypeCode(dtype));

export function valueTypeToProto(type: ValueType): TypeProto {
  switch (type.kind) {
    case 'tensor':
      return create(TypeProtoSchema, { value: { case: 'tensorType', value: create(TypeProto_TensorSchema, { elemType: code(type.dtype), ...(type.shape ? { shape: shapeToProto(type.shape) } : {}) }) } });
    case 'sparse_tensor':
      return create(TypeProtoSchema, { value: { case: 'sparseTensorType', value: create(TypeProto_SparseTensorSchema, { elemType: code(type.dtype), ...(type.shape ? { shape: shapeToProto(type.shape) } : {}) }) } });
    case 'sequence':
      return create(TypeProtoSchema, { value: { case: 'sequenceType', value: create(TypeProto_SequenceSchema, type.element ? { elemType: valueTypeToProto(type.element) } : {}) } });
    case 'optional':
      return create(TypeProtoSchema, { value: { case: 'optionalType', value: create(TypeProto_OptionalSchema, type.element ? { elemType: valueTypeToProto(type.element) } : {}) } });
    case 'map':
      return create(TypeProtoSchema, { value: { case: 'mapType', value: create(TypeProto_MapSchema, { keyType: code(type.key), ...(type.value ? { valueType: valueTypeToProto(type.value) } : {}) }) } });
  }
}
