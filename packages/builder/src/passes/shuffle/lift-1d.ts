import { Constant, type Graph, Node, type Value, Variable } from '@kiln/onnx-tools';
import { intsAttribute, isKilnOp, isOnnxOp } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { markSameData } from '../../internal/same-data.js';

const POOLS = ['MaxPool', 'AveragePool'];
const GLOBAL_POOLS = ['GlobalAveragePool', 'GlobalMaxPool'];

/**
 * 1-D convolutions and pools (audio, text and time-series CNNs: X [N, C, L]) as 2-D ones over a
 * height of 1, so they run on the NHWC convolution and pooling kernels instead of the reference
 * evaluator:
 *
 *   kiln.FusedConv(X [N,C,L], W [O,I,k])  →  Squeeze_2(kiln.FusedConv(Unsqueeze_2(X), W [O,I,1,k]))
 *   MaxPool / AveragePool(X [N,C,L])       →  the same over [N,C,1,L]; GlobalAveragePool / GlobalMaxPool too
 *
 * with kernel_shape [1, k], strides [1, s], dilations [1, d] and pads [0, p0, 0, p1]; a conv's
 * residual input is unsqueezed the same way. Between two lifted nodes the tensor stays 4-D (no
 * Squeeze then Unsqueeze), so a chain of them keeps NHWC between its layers. Runs after the
 * fusions: BatchNormalization, bias, residual and activation are already in the fused conv.
 */
export const lift1d: Pass = {
  name: 'lift-1d',
  run(graph, context) {
    const lifted = new Set(graph.nodes.filter(liftable));
    if (lifted.size === 0) return;
    // The 4-D form of a 3-D tensor: a lifted node's output, or an Unsqueeze added here.
    const fourD = new Map<Value, Value>();
    const axesAsInput = (context.model.opset('') ?? 13) >= 13;
    const withAxes = (op: string, input: Value, output: Value, name: string): Node => {
      const node = new Node({ op, name: context.freshName(graph, name), inputs: axesAsInput ? [input, axes(context, graph)] : [input], outputs: [output] });
      if (!axesAsInput) node.attributes.set('axes', { type: 'ints', value: [2] });
      return node;
    };
    const unsqueezed = (value: Value, before: Node): Value => {
      const known = fourD.get(value);
      if (known) return known;
      const [n, c, l] = value.shape!;
      const output = new Variable(context.freshName(graph, `${value.name}_2d`), value.dtype, [n, c, 1, l]);
      graph.nodes.splice(graph.nodes.indexOf(before), 0, withAxes('Unsqueeze', value, output, `${value.name}_unsqueeze`));
      fourD.set(value, output);
      markSameData(output, value);
      return output;
    };
    for (const node of lifted) {
      const y = node.outputs[0]!;
      if (isKilnOp(node, 'FusedConv')) {
        const [x, w, bias, residual] = node.inputs as [Value, Constant, Value | undefined, Value | undefined];
        const [o, i, k] = w.shape as number[];
        const weights = new Constant(context.freshName(graph, `${w.name}_2d`), { ...w.values, dims: [o!, i!, 1, k!] });
        node.setInputs([unsqueezed(x, node), weights, bias, residual && unsqueezed(residual, node)]);
        liftWindow(node, 'dilations');
      } else {
        node.setInputs([unsqueezed(node.inputs[0]!, node)]);
        if (POOLS.includes(node.op)) liftWindow(node, node.op === 'MaxPool' ? 'dilations' : undefined);
      }
      const [n, c, length] = y.shape ?? [];
      const y4 = new Variable(context.freshName(graph, `${y.name}_2d`), y.dtype, [n, c, 1, length]);
      node.setOutputs([y4]);
      fourD.set(y, y4);
      markSameData(y4, y);
      // Readers that are not lifted (and a graph output) still get the 3-D tensor.
      if (graph.outputs.includes(y) || y.consumers.some((reader) => !lifted.has(reader))) {
        graph.nodes.splice(graph.nodes.indexOf(node) + 1, 0, withAxes('Squeeze', y4, y, `${y.name}_squeeze`));
      }
      context.note(`1-D as 2-D: ${context.sources(node).join(' + ')}`);
    }
    graph.toposort();
  },
};

/** A 1-D conv with constant weights, or a 1-D pool with one output. */
function liftable(node: Node): boolean {
  const x = node.inputs[0];
  if (x?.shape?.length !== 3 || node.outputs[0]?.shape?.length !== 3) return false;
  if (isKilnOp(node, 'FusedConv')) return node.inputs[1]?.shape?.length === 3 && node.inputs[1].isConstant;
  const pool = [...POOLS, ...GLOBAL_POOLS].some((op) => isOnnxOp(node, op));
  return pool && node.outputs.filter((value) => value !== undefined).length === 1;
}

/** kernel_shape, strides, pads (and the dilations attribute when named) over a height of 1. */
function liftWindow(node: Node, dilations: string | undefined): void {
  const set = (name: string, value: number[]) => node.attributes.set(name, { type: 'ints', value });
  const kernel = intsAttribute(node, 'kernel_shape') ?? (node.inputs[1]?.shape?.slice(2) as number[] | undefined) ?? [1];
  const pads = intsAttribute(node, 'pads') ?? [0, 0];
  set('kernel_shape', [1, kernel[0]!]);
  set('strides', [1, ...(intsAttribute(node, 'strides') ?? [1])]);
  set('pads', [0, pads[0]!, 0, pads[1]!]);
  if (dilations !== undefined) set('dilations', [1, ...(intsAttribute(node, 'dilations') ?? [1])]);
}

function axes(context: PassContext, graph: Graph): Constant {
  return new Constant(context.freshName(graph, 'axes_2'), { type: 'int64', dims: [1], data: BigInt64Array.of(2n) });
}
