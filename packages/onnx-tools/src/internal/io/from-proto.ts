// ModelProto -> IR. Names are resolved once, here: every node input must name a graph input,
// an initializer, a node output of this graph or of an enclosing graph (ERR_ONNX_DANGLING).
import { KilnError } from '@kiln/common';
import type { AttributeValue } from '../attribute.js';
import { Graph } from '../ir/graph.js';
import { Model, type ModelFunction } from '../ir/model.js';
import { Node } from '../ir/node.js';
import { Constant, type Value, Variable } from '../ir/value.js';
import type { FunctionProto, GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../proto/onnx_pb.js';
import { decodeAttribute } from './attributes.js';
import { decodeTensor, tensorHeader, validatePayload } from './tensor-codec.js';
import { valueTypeFromProto } from './types.js';

/** How an initializer was encoded; kept on the Constant so unchanged values save verbatim. */
export interface EncodedTensor {
  proto: TensorProto;
  /** Payload of an EXTERNAL tensor, read from its file. */
  external?: Uint8Array;
}

/** Supplies the payload of EXTERNAL tensors (already read from disk). */
export type ExternalLookup = (proto: TensorProto, where: string) => Uint8Array | undefined;

interface Scope {
  values: Map<string, Value>;
  parent: Scope | undefined;
}

function lookup(scope: Scope | undefined, name: string): Value | undefined {
  for (let s = scope; s; s = s.parent) {
    const value = s.values.get(name);
    if (value) return value;
  }
  return undefined;
}

/** Convert a decoded ModelProto to the IR. */
export function modelFromProto(proto: ModelProto, external?: ExternalLookup): Model {
  if (!proto.graph) {
    throw new KilnError('ERR_ONNX_PARSE', 'The model has no graph', {
      where: 'ModelProto.graph', expected: 'a GraphProto', found: 'nothing',
      hint: 'the bytes are probably not an ONNX model (or are truncated)',
    });
  }
  const model = new Model(graphFromProto(proto.graph, undefined, undefined, external));
  model.irVersion = Number(proto.irVersion);
  for (const opset of proto.opsetImport) model.opsetImports.set(opset.domain, Number(opset.version));
  model.producerName = proto.producerName;
  model.producerVersion = proto.producerVersion;
  model.domain = proto.domain;
  model.modelVersion = Number(proto.modelVersion);
  model.docString = proto.docString;
  for (const entry of proto.metadataProps) model.metadata.set(entry.key, entry.value);
  model.functions = proto.functions.map((f) => functionFromProto(f, external));
  if (proto.trainingInfo.length) model.extras.trainingInfo = proto.trainingInfo;
  if (proto.configuration.length) model.extras.configuration = proto.configuration;
  return model;
}

function variableFromInfo(info: ValueInfoProto, variable = new Variable(info.name)): Variable {
  const type = valueTypeFromProto(info.type);
  if (type?.kind === 'tensor') {
    variable.dtype = type.dtype;
    variable.shape = type.shape;
    variable.valueType = undefined;
  } else if (type) {
    variable.valueType = type;
  }
  return variable;
}

function constantFromProto(proto: TensorProto, where: string, external: ExternalLookup | undefined): Constant {
  const { dtype, dims } = tensorHeader(proto, where);
  const payload = external?.(proto, where);
  validatePayload(proto, dtype, dims, where, payload);
  const encoded: EncodedTensor = payload ? { proto, external: payload } : { proto };
  return new Constant(proto.name, { dtype, dims, decode: () => decodeTensor(proto, where, payload), encoded });
}

function graphFromProto(proto: GraphProto, parent: Graph | undefined, outer: Scope | undefined, external: ExternalLookup | undefined): Graph {
  const graph = new Graph(proto.name, parent);
  graph.docString = proto.docString;
  const scope: Scope = { values: new Map(), parent: outer };
  const where = (what: string) => `graph '${proto.name}', ${what}`;
  graph.initializers = proto.initializer.map((t, i) => constantFromProto(t, where(`initializer ${i} '${t.name}'`), external));
  const initializers = new Map(graph.initializers.map((c) => [c.name, c]));
  graph.inputs = proto.input.map((info) => initializers.get(info.name) ?? variableFromInfo(info));
  for (const value of graph.inputs) scope.values.set(value.name, value);
  for (const constant of graph.initializers) scope.values.set(constant.name, constant);
  if (proto.sparseInitializer.length) graph.extras.sparseInitializer = proto.sparseInitializer;
  if (proto.quantizationAnnotation.length) graph.extras.quantizationAnnotation = proto.quantizationAnnotation;
  if (proto.metadataProps.length) graph.extras.metadataProps = proto.metadataProps;
  graph.nodes = nodesFromProto(proto.node, graph, scope, where, external);
  graph.valueInfo = proto.valueInfo.map((info) => {
    const known = scope.values.get(info.name);
    if (known instanceof Variable) return variableFromInfo(info, known);
    return variableFromInfo(info);
  });
  graph.outputs = proto.output.map((info) => {
    const value = lookup(scope, info.name);
    if (!value) {
      throw new KilnError('ERR_ONNX_DANGLING', `Graph output '${info.name}' is not produced by any node`, {
        where: where(`output '${info.name}'`),
        expected: 'a graph input, an initializer or a node output with that name',
        found: 'no tensor with that name',
        hint: 'the model is incomplete; re-export it or fix the output name',
      });
    }
    if (value instanceof Variable) variableFromInfo(info, value);
    return value;
  });
  return graph;
}

function nodesFromProto(
  protos: readonly NodeProto[],
  graph: Graph,
  scope: Scope,
  where: (what: string) => string,
  external: ExternalLookup | undefined,
): Node[] {
  // Outputs first: ONNX files need not be topologically sorted.
  const outputs = protos.map((proto) =>
    proto.output.map((name) => {
      if (name === '') return undefined;
      const variable = new Variable(name);
      scope.values.set(name, variable);
      return variable;
    }),
  );
  return protos.map((proto, index) => {
    const label = `node ${index} '${proto.name}' (${proto.opType})`;
    const node = new Node({ op: proto.opType, name: proto.name, domain: proto.domain });
    node.overload = proto.overload;
    node.docString = proto.docString;
    if (proto.metadataProps.length) node.extras.metadataProps = proto.metadataProps;
    if (proto.deviceConfigurations.length) node.extras.deviceConfigurations = proto.deviceConfigurations;
    const attributes = new Map<string, AttributeValue<Graph>>();
    for (const attribute of proto.attribute) {
      const decoded = decodeAttribute(attribute, where(label), (g) => graphFromProto(g, graph, scope, external));
      if (decoded.kind === 'value') attributes.set(attribute.name, decoded.value);
      else if (decoded.kind === 'reference') node.attributeReferences.set(attribute.name, decoded.reference);
      else node.opaqueAttributes.push(decoded.proto);
    }
    node.attributes = attributes;
    node.setInputs(
      proto.input.map((name, i) => {
        if (name === '') return undefined;
        const value = lookup(scope, name);
        if (!value) {
          throw new KilnError('ERR_ONNX_DANGLING', `Input ${i} '${name}' of ${label} is not defined`, {
            where: where(label),
            expected: 'a graph input, an initializer, or an output of a node in this graph or an enclosing one',
            found: `nothing named '${name}'`,
            hint: 'the model is missing an initializer or a node; re-export it with all weights',
          });
        }
        return value;
      }),
    );
    node.setOutputs(outputs[index] as (Variable | undefined)[]);
    return node;
  });
}

function functionFromProto(proto: FunctionProto, external: ExternalLookup | undefined): ModelFunction {
  const graph = new Graph(proto.name);
  const scope: Scope = { values: new Map(), parent: undefined };
  graph.inputs = proto.input.map((name) => {
    const variable = new Variable(name);
    scope.values.set(name, variable);
    return variable;
  });
  const where = (what: string) => `function '${proto.domain}.${proto.name}', ${what}`;
  graph.nodes = nodesFromProto(proto.node, graph, scope, where, external);
  graph.valueInfo = proto.valueInfo.map((info) => {
    const known = scope.values.get(info.name);
    return variableFromInfo(info, known instanceof Variable ? known : undefined);
  });
  graph.outputs = proto.output.map((name) => {
    const value = scope.values.get(name);
    if (!value) {
      throw new KilnError('ERR_ONNX_DANGLING', `Function output '${name}' is not produced by any node`, { where: where(`output '${name}'`) });
    }
    return value;
  });
  const attributeDefaults = new Map<string, AttributeValue<Graph>>();
  for (const attribute of proto.attributeProto) {
    const decoded = decodeAttribute(attribute, where(`attribute '${attribute.name}'`), (g) => graphFromProto(g, graph, scope, external));
    if (decoded.kind === 'value') attributeDefaults.set(attribute.name, decoded.value);
  }
  return {
    name: proto.name,
    domain: proto.domain,
    overload: proto.overload,
    attributeNames: [...proto.attribute],
    attributeDefaults,
    opsetImports: new Map(proto.opsetImport.map((o) => [o.domain, Number(o.version)])),
    graph,
    docString: proto.docString,
    extras: proto.metadataProps.length ? { metadataProps: proto.metadataProps } : {},
  };
}
