// AttributeProto <-> AttributeValue.
import { create } from '@bufbuild/protobuf';
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { AttributeValue } from '../attribute.js';
import type { Graph } from '../ir/graph.js';
import type { AttributeReference } from '../ir/node.js';
import { type AttributeProto, AttributeProtoSchema, AttributeProto_AttributeType as Kind, type GraphProto, type TensorProto, type TypeProto } from '../proto/onnx_pb.js';
import { decodeTensor, encodeTensor } from './tensor-codec.js';

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Attribute tensors decoded from a proto, mapped back to it so unchanged values save bit-identically. */
const tensorOrigins = new WeakMap<Tensor, TensorProto>();

const KIND_NAMES = new Map<Kind, AttributeReference['type']>([
  [Kind.FLOAT, 'float'], [Kind.INT, 'int'], [Kind.STRING, 'string'], [Kind.TENSOR, 'tensor'],
  [Kind.GRAPH, 'graph'], [Kind.FLOATS, 'floats'], [Kind.INTS, 'ints'], [Kind.STRINGS, 'strings'],
  [Kind.TENSORS, 'tensors'], [Kind.GRAPHS, 'graphs'], [Kind.TYPE_PROTO, 'type_proto'],
  [Kind.TYPE_PROTOS, 'type_protos'], [Kind.SPARSE_TENSOR, 'sparse_tensor'], [Kind.SPARSE_TENSORS, 'sparse_tensors'],
]);
const KINDS = new Map([...KIND_NAMES].map(([kind, name]) => [name, kind]));

/** The attribute's type, inferred from the set field for old files that leave `type` unset. */
function kindOf(proto: AttributeProto): Kind {
  if (proto.type !== Kind.UNDEFINED) return proto.type;
  if (proto.floats.length) return Kind.FLOATS;
  if (proto.ints.length) return Kind.INTS;
  if (proto.strings.length) return Kind.STRINGS;
  if (proto.tensors.length) return Kind.TENSORS;
  if (proto.graphs.length) return Kind.GRAPHS;
  if (proto.t) return Kind.TENSOR;
  if (proto.g) return Kind.GRAPH;
  if (proto.s.length) return Kind.STRING;
  if (proto.i !== 0n) return Kind.INT;
  return Kind.FLOAT;
}

/** Decoded attribute: a value, a reference to a function attribute, or a proto kept verbatim. */
export type DecodedAttribute =
  | { kind: 'value'; value: AttributeValue<Graph> }
  | { kind: 'reference'; reference: AttributeReference }
  | { kind: 'opaque'; proto: AttributeProto };

/** Decode one attribute; `toGraph` converts subgraph protos (with the caller's scope). */
export function decodeAttribute(proto: AttributeProto, where: string, toGraph: (g: GraphProto) => Graph): DecodedAttribute {
  const kind = kindOf(proto);
  const name = KIND_NAMES.get(kind);
  if (name === undefined) {
    throw new KilnError('ERR_ONNX_PARSE', `Attribute '${proto.name}' has an unknown type`, { where, found: String(proto.type) });
  }
  if (proto.refAttrName !== '') return { kind: 'reference', reference: { ref: proto.refAttrName, type: name } };
  const tensor = (t: TensorProto): Tensor => {
    const value = decodeTensor(t, `${where}, attribute '${proto.name}'`);
    tensorOrigins.set(value, t);
    return value;
  };
  try {
    switch (kind) {
      case Kind.FLOAT: return value({ type: 'float', value: proto.f });
      case Kind.INT: return value({ type: 'int', value: Number(proto.i) });
      case Kind.STRING: return value({ type: 'string', value: utf8Decoder.decode(proto.s) });
      case Kind.TENSOR: return value({ type: 'tensor', value: tensor(required(proto.t, proto, where)) });
      case Kind.GRAPH: return value({ type: 'graph', value: toGraph(required(proto.g, proto, where)) });
      case Kind.FLOATS: return value({ type: 'floats', value: [...proto.floats] });
      case Kind.INTS: return value({ type: 'ints', value: proto.ints.map((i) => Number(i)) });
      case Kind.STRINGS: return value({ type: 'strings', value: proto.strings.map((s) => utf8Decoder.decode(s)) });
      case Kind.TENSORS: return value({ type: 'tensors', value: proto.tensors.map(tensor) });
      case Kind.GRAPHS: return value({ type: 'graphs', value: proto.graphs.map(toGraph) });
      case Kind.TYPE_PROTO: return value({ type: 'type_proto', value: proto.tp });
      case Kind.TYPE_PROTOS: return value({ type: 'type_protos', value: [...proto.typeProtos] });
      default: return { kind: 'opaque', proto };
    }
  } catch (error) {
    // Tensors of element types without a typed array (float4e2m1, ...) stay encoded.
    if (error instanceof Error && (error as { code?: string }).code === 'ERR_ONNX_DTYPE') return { kind: 'opaque', proto };
    throw error;
  }
}

function value(v: AttributeValue<Graph>): DecodedAttribute {
  return { kind: 'value', value: v };
}

function required<T>(field: T | undefined, proto: AttributeProto, where: string): T {
  if (field === undefined) {
    throw new KilnError('ERR_ONNX_PARSE', `Attribute '${proto.name}' declares a type but holds no value`, { where });
  }
  return field;
}

/** int64 attributes beyond ±2^63 (Number(INT64_MAX) rounds up to 2^63) clamp back into range. */
function toInt64(n: number): bigint {
  if (!Number.isFinite(n)) throw new Error(`attribute integer ${n} is not finite`);
  if (n >= 2 ** 63) return 9223372036854775807n;
  if (n <= -(2 ** 63)) return -9223372036854775808n;
  return BigInt(Math.trunc(n));
}

function tensorProto(tensor: Tensor): TensorProto {
  return tensorOrigins.get(tensor) ?? encodeTensor(tensor);
}

/** Encode one attribute; `fromGraph` converts subgraphs. */
export function encodeAttribute(name: string, attribute: AttributeValue<Graph>, fromGraph: (g: Graph) => GraphProto): AttributeProto {
  const proto = create(AttributeProtoSchema, { name, type: KINDS.get(attribute.type) as Kind });
  switch (attribute.type) {
    case 'float': proto.f = attribute.value; break;
    case 'int': proto.i = toInt64(attribute.value); break;
    case 'string': proto.s = utf8Encoder.encode(attribute.value); break;
    case 'tensor': proto.t = tensorProto(attribute.value); break;
    case 'graph': proto.g = fromGraph(attribute.value); break;
    case 'floats': proto.floats = [...attribute.value]; break;
    case 'ints': proto.ints = attribute.value.map(toInt64); break;
    case 'strings': proto.strings = attribute.value.map((s) => utf8Encoder.encode(s)); break;
    case 'tensors': proto.tensors = attribute.value.map(tensorProto); break;
    case 'graphs': proto.graphs = attribute.value.map(fromGraph); break;
    case 'type_proto': proto.tp = attribute.value as TypeProto; break;
    case 'type_protos': proto.typeProtos = attribute.value as TypeProto[]; break;
  }
  return proto;
}

/** Encode an attribute reference (function bodies). */
export function encodeReference(name: string, reference: AttributeReference): AttributeProto {
  return create(AttributeProtoSchema, { name, refAttrName: reference.ref, type: KINDS.get(reference.type) as Kind });
}
