import { Constant, Graph, Model, Node, type Value, Variable, save } from '@kiln/onnx-tools';
import { STANDARD_OPSET, standardNodes } from './standard-nodes.js';
import type { LoweredLayer } from './types.js';

/**
 * A layer for a node Kiln has no native kernel for: the runtime evaluates it with onnx-tools'
 * reference evaluator. The node travels in the plan as a one-node ONNX model whose inputs and
 * outputs carry the plan's tensor names; constant inputs ride along as initializers.
 */
export function referenceLayer(node: Node, sources: string[]): LoweredLayer {
  return {
    name: node.name || `${node.op}_${node.outputs[0]?.name ?? ''}`,
    type: 'Reference',
    family: 'reference',
    inputs: [...node.inputs.filter((value) => value !== undefined && !value.isConstant), ...node.implicitInputs().filter((value) => !value.isConstant)],
    outputs: node.outputs.filter((value): value is Value => value !== undefined),
    sources,
    node,
  };
}

/** Serialize a reference layer's node as a standalone one-node model. */
export function referenceModel(node: Node, opsetImports: ReadonlyMap<string, number>): Uint8Array {
  const graph = new Graph(`kiln_reference_${node.name}`);
  const copies = new Map<Value, Value>();
  const copy = (value: Value | undefined): Value | undefined => {
    if (value === undefined) return undefined;
    let twin = copies.get(value);
    if (!twin) {
      if (value instanceof Constant) {
        const constant = new Constant(value.name, value.values);
        graph.initializers.push(constant);
        twin = constant;
      } else {
        twin = new Variable(value.name, value.dtype, value.shape);
        graph.inputs.push(twin);
      }
      copies.set(value, twin);
    }
    return twin;
  };
  const inputs = node.inputs.map(copy);
  for (const implicit of node.implicitInputs()) copy(implicit);
  const outputs = node.outputs.map((value) => (value === undefined ? undefined : new Variable(value.name, value.dtype, value.shape)));
  const twin = new Node({ op: node.op, name: node.name, domain: node.domain, inputs, outputs, attributes: new Map(node.attributes) });
  // A Kiln node (a fusion whose native lowering did not apply) goes as the standard nodes it
  // stands for: the reference evaluator knows only ONNX's ops.
  const standard = standardNodes(twin, graph);
  if (standard === undefined) graph.addNode(twin);
  graph.outputs = outputs.filter((value): value is Variable => value !== undefined);
  const model = new Model(graph);
  for (const [domain, version] of opsetImports) model.opsetImports.set(domain, version);
  if (standard !== undefined) {
    const opset = Math.max(model.opset('') ?? 1, STANDARD_OPSET);
    model.opsetImports.delete('ai.onnx');
    model.opsetImports.set('', opset);
  }
  model.producerName = 'kiln';
  return save(model);
}
