import type { Graph, Node, Value } from '@kiln/onnx-tools';
import { intAttribute } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * Nodes that compute nothing at inference: Identity, Dropout (inference mode, mask unused), Cast
 * to the type the tensor already has. Readers of the output read the input instead; when the
 * output is a graph output, the graph output is renamed onto the input only if that input is
 * not itself a graph input (then the node stays, as a copy).
 */
function isNoOp(node: Node): boolean {
  const input = node.inputs[0];
  if (!input) return false;
  switch (node.op) {
    case 'Identity':
      return true;
    case 'Dropout':
      return node.outputs[1] === undefined || node.outputs[1].consumers.length === 0;
    case 'Cast':
      return input.dtype !== undefined && node.attributes.get('to')?.type === 'int' && node.outputs[0]?.dtype === input.dtype && intAttribute(node, 'saturate', 1) === 1;
    default:
      return false;
  }
}

/** Readers of the node's output read its input instead; the node goes (see the rules above). */
export function bypass(graph: Graph, node: Node, context: PassContext): boolean {
  const input = node.inputs[0] as Value;
  const output = node.outputs[0];
  if (!output) return false;
  const isGraphOutput = graph.outputs.includes(output);
  if (isGraphOutput && (graph.inputs.includes(input) || graph.outputs.includes(input) || input.isConstant)) return false;
  for (const consumer of output.consumers) consumer.replaceInput(output, input);
  if (isGraphOutput) {
    // The graph output keeps its public name: the input tensor takes it over.
    graph.outputs = graph.outputs.map((value) => (value === output ? input : value));
    input.name = output.name;
  }
  graph.removeNode(node);
  context.note(`Removed no-op ${node.describe()}`);
  return true;
}

export const removeIdentity: Pass = {
  name: 'remove-identity',
  run(graph, context) {
    for (const node of [...graph.nodes]) if ((node.domain === '' || node.domain === 'ai.onnx') && isNoOp(node)) bypass(graph, node, context);
  },
};
