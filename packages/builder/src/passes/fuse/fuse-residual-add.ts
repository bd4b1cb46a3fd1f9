import type { Graph, Node, Value } from '@kiln/onnx-tools';
import { isKilnOp } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { rewriteAll } from '../../internal/pattern.js';
import { activation } from './fuse-conv-bias-act.js';

/**
 * Residual connections: `Add(fused_layer(...), skip)` where `skip` has exactly the layer's output
 * shape becomes the layer's residual input R, added in the epilogue after the bias and before
 * the activation — so a following Relu (ResNet's Add+Relu) is absorbed afterwards by
 * fuse-conv-bias-act, which runs again after this pass.
 */
function rewrite(graph: Graph, add: Node, context: PassContext): boolean {
  for (const [index, value] of add.inputs.entries()) {
    const layer = value?.producer;
    const skip = add.inputs[1 - index];
    if (!layer || !skip || skip.isConstant || !graph.nodes.includes(layer)) continue;
    if (!(isKilnOp(layer, 'FusedConv') || isKilnOp(layer, 'FusedGemm'))) continue;
    if (layer.inputs[3] !== undefined || activation(layer) !== 'none') continue;
    if (value!.consumers.length !== 1 || graph.outputs.includes(value!)) continue;
    if (!sameShape(value!, skip) || value!.dtype !== skip.dtype) continue;
    const output = add.outputs[0]!;
    const position = graph.nodes.indexOf(add);
    graph.removeNode(add);
    graph.nodes.splice(graph.nodes.indexOf(layer), 1);
    graph.nodes.splice(position - 1, 0, layer);
    layer.setInput(3, skip);
    layer.setOutputs([output]);
    context.fused(layer, [layer, add]);
    return true;
  }
  return false;
}

function sameShape(a: Value, b: Value): boolean {
  const x = a.shape;
  const y = b.shape;
  return x !== undefined && y !== undefined && x.length === y.length && x.every((dim, i) => dim !== undefined && dim === y[i]);
}

export const fuseResidualAdd: Pass = {
  name: 'fuse-residual-add',
  run(graph, context) {
    rewriteAll(graph, [[{ op: 'Add', bind: 'add' }, (g, match) => rewrite(g, match.nodes.get('add')!, context)]]);
  },
};
