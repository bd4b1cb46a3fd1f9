// IR -> ModelProto. Unchanged constants and attribute tensors are re-emitted from the protos
// they were read from, so a load/save round trip keeps them bit-identical.
import { create } from '@bufbuild/protobuf';
import type { Graph } from '../ir/graph.js';
import type { Model, ModelFunction } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Constant, type Value } from '../ir/value.js';
import {
  type AttributeProto, FunctionProtoSchema, type FunctionProto, type GraphProto, GraphProtoSchema, type ModelProto,
  ModelProtoSchema, type NodeProto, NodeProtoSchema, OperatorSetIdProtoSchema, StringStringEntryProtoSchema,
  type TensorProto, TensorProtoSchema, TensorProto_DataLocation, type ValueInfoProto, ValueInfoProtoSchema,
} from '../proto/onnx_pb.js';
import { encodeAttribute, encodeReference } from './attributes.js';
import type { EncodedTensor } from './from-proto.js';
import { encodeTensor } from './tensor-codec.js';
import { valueTypeToProto } from './types.js';

/** Decides how each initializer is written; the default inlines everything. */
export type InitializerWriter = (constant: Constant) => TensorProto;

/** Inline a constant: its original proto when unchanged (external payload moved into raw_data). */
export function inlineInitializer(constant: Constant): TensorProto {
  const encoded = constant.encoded as EncodedTensor | undefined;
  if (!encoded) return encodeTensor(constant.values, constant.name);
  if (encoded.external === undefined && encoded.proto.name === constant.name) return encoded.proto;
  const proto = create(TensorProtoSchema, { ...encoded.proto, name: constant.name });
  if (encoded.external !== undefined) {
    proto.rawData = encoded.external;
    proto.externalData = [];
    proto.dataLocation = TensorProto_DataLocation.DEFAULT;
  }
  return proto;
}

/** Convert the IR back to a ModelProto. */
export function modelToProto(model: Model, writeInitializer: InitializerWriter = inlineInitializer): ModelProto {
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion),
    opsetImport: [...model.opsetImports].map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
    graph: graphToProto(model.graph, writeInitializer),
    functions: model.functions.map((f) => functionToProto(f, writeInitializer)),
    metadataProps: [...model.metadata].map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
  });
  if (model.producerName) proto.producerName = model.producerName;
  if (model.producerVersion) proto.producerVersion = model.producerVersion;
  if (model.domain) proto.domain = model.domain;
  if (model.modelVersion) proto.modelVersion = BigInt(model.modelVersion);
  if (model.docString) proto.docString = model.docString;
  Object.assign(proto, model.extras);
  return proto;
}

function valueInfo(value: Value): ValueInfoProto {
  const info = create(ValueInfoProtoSchema, { name: value.name });
  if (value instanceof Constant) {
    info.type = valueTypeToProto({ kind: 'tensor', dtype: value.dtype, shape: value.shape });
  } else if (value.valueType) {
    info.type = valueTypeToProto(value.valueType);
  } else if (value.dtype !== undefined || value.shape !== undefined) {
    info.type = valueTypeToProto({ kind: 'tensor', dtype: value.dtype, shape: value.shape });
  }
  return info;
}

/** Constants the graph's nodes read that no enclosing graph lists (e.g. folded values). */
function unlistedConstants(graph: Graph): Constant[] {
  const listed = new Set<Constant>();
  for (let g: Graph | undefined = graph; g; g = g.parent) {
    for (const c of g.initializers) listed.add(c);
    for (const v of g.inputs) if (v instanceof Constant) listed.add(v);
  }
  const found: Constant[] = [];
  for (const node of graph.nodes) {
    for (const value of node.inputs) {
      if (value instanceof Constant && !listed.has(value)) {
        listed.add(value);
        found.push(value);
      }
    }
  }
  for (const value of graph.outputs) if (value instanceof Constant && !listed.has(value)) found.push(value);
  return found;
}

function graphToProto(graph: Graph, writeInitializer: InitializerWriter): GraphProto {
  const proto = create(GraphProtoSchema, {
    name: graph.name,
    node: graph.nodes.map((node) => nodeToProto(node, writeInitializer)),
    initializer: [...graph.initializers, ...unlistedConstants(graph)].map(writeInitializer),
    input: graph.inputs.map(valueInfo),
    output: graph.outputs.map(valueInfo),
    valueInfo: graph.valueInfo.map(valueInfo),
  });
  if (graph.docString) proto.docString = graph.docString;
  Object.assign(proto, graph.extras);
  return proto;
}

function nodeToProto(node: Node, writeInitializer: InitializerWriter): NodeProto {
  const subgraph = (g: Graph) => graphToProto(g, writeInitializer);
  const attributes: AttributeProto[] = [];
  for (const [name, value] of node.attributes) attributes.push(encodeAttribute(name, value, subgraph));
  for (const [name, reference] of node.attributeReferences) attributes.push(encodeReference(name, reference));
  attributes.push(...(node.opaqueAttributes as AttributeProto[]));
  const proto = create(NodeProtoSchema, {
    input: node.inputs.map((v) => v?.name ?? ''),
    output: node.outputs.map((v) => v?.name ?? ''),
    opType: node.op,
    attribute: attributes,
  });
  if (node.name) proto.name = node.name;
  if (node.domain) proto.domain = node.domain;
  if (node.overload) proto.overload = node.overload;
  if (node.docString) proto.docString = node.docString;
  Object.assign(proto, node.extras);
  return proto;
}

function functionToProto(f: ModelFunction, writeInitializer: InitializerWriter): FunctionProto {
  const subgraph = (g: Graph) => graphToProto(g, writeInitializer);
  const proto = create(FunctionProtoSchema, {
    name: f.name,
    domain: f.domain,
    input: f.graph.inputs.map((v) => v.name),
    output: f.graph.outputs.map((v) => v.name),
    attribute: f.attributeNames,
    attributeProto: [...f.attributeDefaults].map(([name, value]) => encodeAttribute(name, value, subgraph)),
    node: f.graph.nodes.map((node) => nodeToProto(node, writeInitializer)),
    opsetImport: [...f.opsetImports].map(([domain, version]) => create(OperatorSetIdProtoSchema, { domain, version: BigInt(version) })),
    valueInfo: f.graph.valueInfo.map(valueInfo),
  });
  if (f.overload) proto.overload = f.overload;
  if (f.docString) proto.docString = f.docString;
  Object.assign(proto, f.extras);
  return proto;
}
