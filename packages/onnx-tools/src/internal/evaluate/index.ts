// The evaluator driver: walks a graph in topological order and runs each node's reference op.
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model, ModelFunction } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Constant, type Value } from '../ir/value.js';
import type { OpContext, OpRegistration } from '../ops/contract.js';
import { findOp } from '../ops/registry.js';
import { bindAttributes, calledFunction } from './functions.js';

/** Highest ai.onnx opset the reference evaluator accepts (the newest in ONNX 1.23, the node-test snapshot). */
export const MAX_SUPPORTED_OPSET = 28;

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  /** Names of the tensors to return (default: the graph outputs). Any tensor of the main graph may be named. */
  outputs?: readonly string[];
}

interface Scope {
  values: Map<Value, Tensor | undefined>;
  parent: Scope | undefined;
}

interface Run {
  functions: readonly ModelFunction[];
  ops: Map<Node, OpRegistration<Graph>>;
}

function read(scope: Scope | undefined, value: Value): Tensor | undefined {
  for (let s = scope; s; s = s.parent) if (s.values.has(value)) return s.values.get(value);
  if (value instanceof Constant) return value.values;
  return undefined;
}

function has(scope: Scope | undefined, value: Value): boolean {
  for (let s = scope; s; s = s.parent) if (s.values.has(value)) return true;
  return value instanceof Constant;
}

/** Check the model's ai.onnx opset against what the reference ops support. */
export function checkOpset(model: Model): void {
  const opset = model.opset('');
  if (opset !== undefined && opset > MAX_SUPPORTED_OPSET) {
    throw new KilnError('ERR_ONNX_OPSET', `The model imports ai.onnx opset ${opset}, newer than the evaluator supports`, {
      where: 'ModelProto.opset_import (domain ai.onnx)',
      expected: `ai.onnx opset 1..${MAX_SUPPORTED_OPSET}`,
      found: String(opset),
      hint: `convert the model to opset ${MAX_SUPPORTED_OPSET} or lower (onnx.version_converter), or upgrade @kiln/onnx-tools`,
    });
  }
}

function opsetFor(opsets: ReadonlyMap<string, number>, domain: string): number {
  const key = domain === 'ai.onnx' ? '' : domain;
  return opsets.get(key) ?? (key === '' ? opsets.get('ai.onnx') : undefined) ?? (key === '' ? MAX_SUPPORTED_OPSET : 1);
}

/** Resolve every node's op up front (recursively), so an unsupported op fails before any work. */
function resolveOps(graph: Graph, opsets: ReadonlyMap<string, number>, run: Run): void {
  for (const node of graph.nodes) {
    const f = calledFunction(run.functions, node);
    if (f) {
      resolveOps(f.graph, f.opsetImports.size ? f.opsetImports : opsets, run);
    } else {
      const opset = opsetFor(opsets, node.domain);
      const registration = findOp(node.domain, node.op, opset) as OpRegistration<Graph> | undefined;
      if (!registration) {
        const domain = node.domain === '' ? 'ai.onnx' : node.domain;
        throw new KilnError('ERR_UNSUPPORTED_OP', `No reference implementation of ${domain}.${node.op} for opset ${opset}`, {
          where: node.describe(),
          expected: 'an op the reference evaluator implements (ops/registry.ts listOps())',
          found: `op ${node.op}, domain ${domain}, opset ${opset}`,
          hint: 'add the op to src/internal/ops/, register a custom op, or fold/remove this node first',
        });
      }
      run.ops.set(node, registration);
    }
    for (const subgraph of node.subgraphs()) resolveOps(subgraph, opsets, run);
  }
}

async function runNode(node: Node, scope: Scope, opsets: ReadonlyMap<string, number>, run: Run, attributes: Attributes<Graph> = node.attributes): Promise<(Tensor | undefined)[]> {
  const inputs = node.inputs.map((value) => (value ? read(scope, value) : undefined));
  const f = calledFunction(run.functions, node);
  if (f) {
    const feeds = new Map<Value, Tensor | undefined>();
    f.graph.inputs.forEach((formal, i) => feeds.set(formal, inputs[i]));
    const bodyOpsets = f.opsetImports.size ? f.opsetImports : opsets;
    return runGraph(f.graph, { values: feeds, parent: undefined }, bodyOpsets, run, (bodyNode) => bindAttributes(bodyNode, attributes, f));
  }
  const registration = run.ops.get(node) as OpRegistration<Graph>;
  const context: OpContext<Graph> = {
    opType: node.op,
    nodeName: node.name,
    opset: opsetFor(opsets, node.domain),
    outputCount: node.outputs.length,
    runGraph: (graph, feeds) => {
      const values = new Map<Value, Tensor | undefined>();
      for (const input of graph.inputs) values.set(input, feeds.get(input.name));
      return runGraph(graph, { values, parent: scope }, opsets, run);
    },
    graphInputNames: (graph) => graph.inputs.map((input) => input.name),
  };
  return registration.run(inputs, attributes, context);
}

/** Evaluate one graph; `scope.values` already holds its inputs. Returns its outputs in order. */
async function runGraph(graph: Graph, scope: Scope, opsets: ReadonlyMap<string, number>, run: Run, bind?: (node: Node) => Attributes<Graph>, keep?: ReadonlySet<Value>): Promise<(Tensor | undefined)[]> {
  const order = graph.sortedNodes();
  // Remaining uses of each value in this graph; a value is freed after its last use.
  const uses = new Map<Value, number>();
  for (const node of order) for (const value of [...node.inputs, ...node.implicitInputs()]) if (value) uses.set(value, (uses.get(value) ?? 0) + 1);
  const pinned = new Set<Value>([...graph.outputs, ...(keep ?? [])]);
  for (const node of order) {
    let outputs: (Tensor | undefined)[];
    try {
      for (const value of node.inputs) {
        if (value && !has(scope, value)) {
          throw new KilnError('ERR_EVALUATE', `Input '${value.name}' has no value`, {
            where: node.describe(), hint: 'feed every graph input (evaluate(model, { name: tensor }))',
          });
        }
      }
      outputs = await runNode(node, scope, opsets, run, bind ? bind(node) : node.attributes);
    } catch (cause) {
      if (KilnError.isInstance(cause) && (cause.code === 'ERR_UNSUPPORTED_OP' || cause.code === 'ERR_ONNX_OPSET' || cause.where === node.describe())) throw cause;
      throw new KilnError('ERR_EVALUATE', `Evaluating ${node.describe()} failed: ${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}`, {
        where: node.describe(), cause,
      });
    }
    node.outputs.forEach((value, i) => {
      if (value) scope.values.set(value, outputs[i]);
    });
    for (const value of [...node.inputs, ...node.implicitInputs()]) {
      if (!value) continue;
      const left = (uses.get(value) as number) - 1;
      uses.set(value, left);
      if (left === 0 && !pinned.has(value) && !(value instanceof Constant)) scope.values.delete(value);
    }
  }
  return graph.outputs.map((value) => read(scope, value));
}

/** Evaluate a model with the reference ops. */
export async function evaluateModel(model: Model, feeds: Readonly<Record<string, Tensor>>, options: EvaluateOptions = {}): Promise<Record<string, Tensor>> {
  checkOpset(model);
  const graph = model.graph;
  const run: Run = { functions: model.functions, ops: new Map() };
  resolveOps(graph, model.opsetImports, run);
  const values = new Map<Value, Tensor | undefined>();
  for (const input of graph.inputs) {
    const tensor = feeds[input.name];
    if (tensor !== undefined) values.set(input, tensor);
    else if (!(input instanceof Constant)) {
      throw new KilnError('ERR_EVALUATE', `No value fed for graph input '${input.name}'`, {
        where: `graph input '${input.name}'`, expected: `a Tensor${input.dtype ? ` of ${input.dtype}` : ''}${input.shape ? ` [${input.shape.join(', ')}]` : ''}`, found: 'nothing',
      });
    }
  }
  const tensors = graph.tensors();
  const wanted = (options.outputs ?? graph.outputs.map((v) => v.name)).map((name) => {
    const value = tensors.get(name);
    if (!value) throw new KilnError('ERR_EVALUATE', `No tensor named '${name}' in the graph`, { where: 'evaluate options.outputs' });
    return value;
  });
  const scope: Scope = { values, parent: undefined };
  await runGraph(graph, scope, model.opsetImports, run, undefined, new Set(wanted));
  const result: Record<string, Tensor> = {};
  for (const value of wanted) {
    const tensor = read(scope, value);
    if (tensor) result[value.name] = tensor;
  }
  return result;
}

/**
 * Run one node whose inputs are all known, outside any graph walk (constant folding).
 * Throws ERR_UNSUPPORTED_OP when no reference op covers it.
 */
export async function evaluateNode(node: Node, inputs: readonly (Tensor | undefined)[], model: Model): Promise<(Tensor | undefined)[]> {
  const run: Run = { functions: model.functions, ops: new Map() };
  const graph = { nodes: [node] } as unknown as Graph;
  resolveOps(graph, model.opsetImports, run);
  const values = new Map<Value, Tensor | undefined>();
  node.inputs.forEach((value, i) => {
    if (value) values.set(value, inputs[i]);
  });
  return runNode(node, { values, parent: undefined }, model.opsetImports, run);
}
