import type { AttributeValue } from '../attribute.js';
import { Graph } from './graph.js';

/**
 * A model-local function (ONNX FunctionProto): a named body graph whose inputs/outputs are the
 * function's formal parameters; nodes may use attribute references to `attributeNames`.
 */
export interface ModelFunction {
  name: string;
  domain: string;
  overload: string;
  /** Formal attribute names (FunctionProto.attribute). */
  attributeNames: string[];
  /** Attributes with defaults (FunctionProto.attribute_proto). */
  attributeDefaults: Map<string, AttributeValue<Graph>>;
  /** Opset imports of the body, domain → version. */
  opsetImports: Map<string, number>;
  /** Body: inputs/outputs are Variables named as the formal parameters. */
  graph: Graph;
  docString: string;
  /** @internal FunctionProto fields kept verbatim (metadata_props). */
  extras: Record<string, unknown>;
}

/**
 * An ONNX model: header fields, opset imports, metadata, model-local functions and the main
 * graph.
 *
 * @example
 * ```ts
 * const model = await load('model.onnx');
 * console.log(model.irVersion, model.opset(''), model.producerName, model.graph.nodes.length);
 * ```
 */
export class Model {
  irVersion = 10;
  /** Opset imports, domain (`''` for ai.onnx) → version, in file order. */
  opsetImports = new Map<string, number>();
  producerName = '';
  producerVersion = '';
  domain = '';
  modelVersion = 0;
  docString = '';
  /** metadata_props, key → value. */
  metadata = new Map<string, string>();
  functions: ModelFunction[] = [];
  graph: Graph;
  /** @internal ModelProto fields kept verbatim (training_info, configuration). */
  extras: Record<string, unknown> = {};

  constructor(graph: Graph = new Graph('main')) {
    this.graph = graph;
  }

  /** The opset version imported for `domain` (`''` and `'ai.onnx'` are the same domain). */
  opset(domain = ''): number | undefined {
    const key = domain === 'ai.onnx' ? '' : domain;
    return this.opsetImports.get(key) ?? (key === '' ? this.opsetImports.get('ai.onnx') : undefined);
  }

  /** The model-local function called by a node with this domain/op (and overload), if any. */
  findFunction(domain: string, op: string, overload = ''): ModelFunction | undefined {
    return this.functions.find((f) => f.domain === domain && f.name === op && f.overload === overload);
  }
}
