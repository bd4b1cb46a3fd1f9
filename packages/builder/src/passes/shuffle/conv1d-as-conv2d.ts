import { Constant, type Graph, Node, type Value, Variable } from '@kiln/onnx-tools';
import { intsAttribute, isKilnOp } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * 1-D convolutions (audio, text and time-series CNNs: X [N, C, L]) as 2-D ones over a height of 1,
 * so they run on the NHWC convolution kernels and tactics instead of the reference evaluator:
 *
 *   kiln.FusedConv(X [N,C,L], W [O,I,k])  →  Squeeze_2(kiln.FusedConv(Unsqueeze_2(X), W [O,I,1,k]))
 *
 * with kernel_shape [1, k], strides [1, s], dilations [1, d] and pads [0, p0, 0, p1]; a residual
 * input is unsqueezed the same way. Between two rewritten convolutions the tensor stays 4-D (no
 * Squeeze then Unsqueeze), so a chain of them keeps NHWC between its layers. Runs after the
 * fusions: BatchNormalization, bias, residual and activation are already in the fused node.
 */
export const conv1dAsConv2d: Pass = {
  name: 'conv1d-as-conv2d',
  run(graph, context) {
    const isConv1d = (node: Node) => isKilnOp(node, 'FusedConv') && node.inputs[0]?.shape?.length === 3 && node.inputs[1]?.shape?.length === 3 && node.inputs[1].isConstant;
    const convs = graph.nodes.filter(isConv1d);
    if (convs.length === 0) return;
    const rewritten = new Set(convs);
    // The 4-D form of a 3-D tensor: another rewritten conv's output, or an Unsqueeze added here.
    const fourD = new Map<Value, Value>();
    const axesAsInput = (context.model.opset('') ?? 13) >= 13;
    const unsqueezed = (value: Value, before: Node): Value => {
      const known = fourD.get(value);
      if (known) return known;
      const [n, c, l] = value.shape!;
      const output = new Variable(context.freshName(graph, `${value.name}_2d`), value.dtype, [n, c, 1, l]);
      const unsqueeze = new Node({ op: 'Unsqueeze', name: context.freshName(graph, `${value.name}_unsqueeze`), inputs: axesAsInput ? [value, axes(context, graph)] : [value], outputs: [output] });
      if (!axesAsInput) unsqueeze.attributes.set('axes', { type: 'ints', value: [2] });
      graph.nodes.splice(graph.nodes.indexOf(before), 0, unsqueeze);
      fourD.set(value, output);
      return output;
    };
    for (const conv of convs) {
      const [x, w, bias, residual] = conv.inputs as [Value, Constant, Value | undefined, Value | undefined];
      const y = conv.outputs[0]!;
      const [o, i, k] = w.shape as number[];
      const weights = new Constant(context.freshName(graph, `${w.name}_2d`), { ...w.values, dims: [o!, i!, 1, k!] });
      const pads = intsAttribute(conv, 'pads') ?? [0, 0];
      const set = (name: string, value: number[]) => conv.attributes.set(name, { type: 'ints', value });
      set('kernel_shape', [1, k!]);
      set('strides', [1, ...(intsAttribute(conv, 'strides') ?? [1])]);
      set('dilations', [1, ...(intsAttribute(conv, 'dilations') ?? [1])]);
      set('pads', [0, pads[0]!, 0, pads[1]!]);
      conv.setInputs([unsqueezed(x, conv), weights, bias, residual && unsqueezed(residual, conv)]);
      const [n, outChannels, length] = y.shape ?? [];
      const y4 = new Variable(context.freshName(graph, `${y.name}_2d`), y.dtype, [n, outChannels, 1, length]);
      conv.setOutputs([y4]);
      fourD.set(y, y4);
      // Readers other than rewritten convs (and a graph output) still get the 3-D tensor.
      const keeps3d = graph.outputs.includes(y) || y.consumers.some((reader) => !rewritten.has(reader));
      if (keeps3d) {
        const squeeze = new Node({ op: 'Squeeze', name: context.freshName(graph, `${y.name}_squeeze`), inputs: axesAsInput ? [y4, axes(context, graph)] : [y4], outputs: [y] });
        if (!axesAsInput) squeeze.attributes.set('axes', { type: 'ints', value: [2] });
        graph.nodes.splice(graph.nodes.indexOf(conv) + 1, 0, squeeze);
      }
      context.note(`Conv1d as Conv2d: ${context.sources(conv).join(' + ')}`);
    }
    graph.toposort();
  },
};

function axes(context: PassContext, graph: Graph): Constant {
  return new Constant(context.freshName(graph, 'axes_2'), { type: 'int64', dims: [1], data: BigInt64Array.of(2n) });
}
