import { type Graph, Node, type Value } from '@kiln/onnx-tools';
import { KILN_DOMAIN, exclusive, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * GELU written out with Erf, as exporters emit it before opset 20:
 *   y = x · 0.5 · (1 + erf(x / √2))      (any order of the two Muls; x·(1/√2) instead of x/√2)
 * becomes one `kiln.Gelu(x)` (approximate = none), which fuse-conv-bias-act can then pull into
 * a GEMM epilogue.
 */
function tryFuse(graph: Graph, erf: Node, context: PassContext): boolean {
  const scaled = erf.inputs[0];
  const scaleNode = scaled?.producer;
  if (!scaleNode || !exclusive(graph, scaled!)) return false;
  const x = scaledInput(scaleNode);
  if (!x) return false;
  const erfOut = erf.outputs[0]!;
  const addNode = single(graph, erfOut);
  if (!addNode || addNode.op !== 'Add' || !near(otherScalar(addNode, erfOut), 1)) return false;
  const added = addNode.outputs[0]!;
  const first = single(graph, added);
  if (!first || first.op !== 'Mul') return false;
  const firstOther = first.inputs[0] === added ? first.inputs[1] : first.inputs[0];
  const afterFirst = first.outputs[0]!;
  const second = single(graph, afterFirst);
  let covered: Node[];
  let output: Value;
  if (firstOther === x && second?.op === 'Mul' && near(otherScalar(second, afterFirst), 0.5)) {
    covered = [scaleNode, erf, addNode, first, second]; // (1+erf)·x·0.5
    output = second.outputs[0]!;
  } else if (near(scalarValue(firstOther), 0.5) && second?.op === 'Mul' && (second.inputs[0] === x || second.inputs[1] === x)) {
    covered = [scaleNode, erf, addNode, first, second]; // (1+erf)·0.5·x
    output = second.outputs[0]!;
  } else {
    // x·0.5 computed first: Mul(Mul(x, 0.5), 1+erf)
    const half = firstOther?.producer;
    if (!half || half.op !== 'Mul' || !exclusive(graph, firstOther!) || !near(otherScalar(half, x), 0.5) || !(half.inputs[0] === x || half.inputs[1] === x)) return false;
    covered = [scaleNode, erf, addNode, half, first];
    output = afterFirst;
  }
  const gelu = new Node({ op: 'Gelu', domain: KILN_DOMAIN, name: context.freshName(graph, 'gelu'), inputs: [x], outputs: [] });
  gelu.attributes.set('approximate', { type: 'string', value: 'none' });
  const position = graph.nodes.indexOf(covered.at(-1)!);
  for (const node of covered) graph.removeNode(node);
  gelu.setOutputs([output]);
  graph.nodes.splice(Math.min(position, graph.nodes.length), 0, gelu);
  graph.toposort();
  context.fused(gelu, covered);
  return true;
}

/** x for `x / √2` or `x · (1/√2)`. */
function scaledInput(node: Node): Value | undefined {
  const [a, b] = node.inputs;
  if (node.op === 'Div' && near(scalarValue(b), Math.SQRT2)) return a;
  if (node.op === 'Mul' && near(scalarValue(b), Math.SQRT1_2)) return a;
  if (node.op === 'Mul' && near(scalarValue(a), Math.SQRT1_2)) return b;
  return undefined;
}

function otherScalar(node: Node, value: Value): number | undefined {
  return scalarValue(node.inputs[0] === value ? node.inputs[1] : node.inputs[0]);
}

function single(graph: Graph, value: Value): Node | undefined {
  return exclusive(graph, value) ? value.consumers[0] : undefined;
}

function near(value: number | undefined, target: number): boolean {
  return value !== undefined && Math.abs(value - target) <= 1e-4 * Math.abs(target);
}

export const fuseGelu: Pass = {
  name: 'fuse-gelu',
  run(graph, context) {
    for (const node of [...graph.nodes]) if (node.op === 'Erf' && graph.nodes.includes(node)) tryFuse(graph, node, context);
  },
};
