import { type Graph, Node, type Value } from '@kiln/onnx-tools';
import { KILN_DOMAIN, exclusive, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * GELU written out, as exporters emit it before opset 20, with Erf or with Tanh (GPT-2's
 * `gelu_new`, BERT variants' `gelu_fast`):
 *   y = x · 0.5 · (1 + erf(x / √2))                                  (approximate = none)
 *   y = x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 · x³)))            (approximate = tanh)
 * (any order of the two outer Muls; x·(1/√2) instead of x/√2; x³ as Pow(x, 3) or two Muls)
 * becomes one `kiln.Gelu(x)`, which fuse-conv-bias-act can then pull into a GEMM epilogue.
 */
function tryFuse(graph: Graph, core: Node, context: PassContext): boolean {
  const scaled = core.inputs[0];
  const scaleNode = scaled?.producer;
  if (!scaleNode || !exclusive(graph, scaled!)) return false;
  const inner = core.op === 'Erf' ? erfArgument(scaleNode) : tanhArgument(graph, scaleNode);
  if (!inner) return false;
  const { x } = inner;
  const coreOut = core.outputs[0]!;
  const addNode = single(graph, coreOut);
  if (!addNode || addNode.op !== 'Add' || !near(otherScalar(addNode, coreOut), 1)) return false;
  const added = addNode.outputs[0]!;
  const first = single(graph, added);
  if (!first || first.op !== 'Mul') return false;
  const firstOther = first.inputs[0] === added ? first.inputs[1] : first.inputs[0];
  const afterFirst = first.outputs[0]!;
  const second = single(graph, afterFirst);
  let covered: Node[];
  let output: Value;
  if (firstOther === x && second?.op === 'Mul' && near(otherScalar(second, afterFirst), 0.5)) {
    covered = [...inner.nodes, core, addNode, first, second]; // (1+erf)·x·0.5
    output = second.outputs[0]!;
  } else if (near(scalarValue(firstOther), 0.5) && second?.op === 'Mul' && (second.inputs[0] === x || second.inputs[1] === x)) {
    covered = [...inner.nodes, core, addNode, first, second]; // (1+erf)·0.5·x
    output = second.outputs[0]!;
  } else {
    // x·0.5 computed first: Mul(Mul(x, 0.5), 1+erf)
    const half = firstOther?.producer;
    if (!half || half.op !== 'Mul' || !exclusive(graph, firstOther!) || !near(otherScalar(half, x), 0.5) || !(half.inputs[0] === x || half.inputs[1] === x)) return false;
    covered = [...inner.nodes, core, addNode, half, first];
    output = afterFirst;
  }
  const gelu = new Node({ op: 'Gelu', domain: KILN_DOMAIN, name: context.freshName(graph, 'gelu'), inputs: [x], outputs: [] });
  gelu.attributes.set('approximate', { type: 'string', value: core.op === 'Erf' ? 'none' : 'tanh' });
  const position = graph.nodes.indexOf(covered.at(-1)!);
  for (const node of covered) graph.removeNode(node);
  gelu.setOutputs([output]);
  graph.nodes.splice(Math.min(position, graph.nodes.length), 0, gelu);
  graph.toposort();
  context.fused(gelu, covered);
  return true;
}

/** The nodes that compute a GELU's inner argument from x. */
interface Argument {
  x: Value;
  nodes: Node[];
}

/** x for `x / √2` or `x · (1/√2)`. */
function erfArgument(node: Node): Argument | undefined {
  const [a, b] = node.inputs;
  const x = node.op === 'Div' && near(scalarValue(b), Math.SQRT2) ? a : node.op === 'Mul' && near(scalarValue(b), Math.SQRT1_2) ? a : node.op === 'Mul' && near(scalarValue(a), Math.SQRT1_2) ? b : undefined;
  return x ? { x, nodes: [node] } : undefined;
}

/** x for `√(2/π) · (x + 0.044715 · x³)`, each Mul and the Add in either operand order. */
function tanhArgument(graph: Graph, node: Node): Argument | undefined {
  if (node.op !== 'Mul') return undefined;
  const [a, b] = node.inputs;
  const sum = near(scalarValue(a), SQRT_2_OVER_PI) ? b : near(scalarValue(b), SQRT_2_OVER_PI) ? a : undefined;
  const add = sum?.producer;
  if (!add || add.op !== 'Add' || !exclusive(graph, sum!)) return undefined;
  for (const [x, term] of [add.inputs, [...add.inputs].reverse()]) {
    const scale = term?.producer;
    if (!x || !scale || scale.op !== 'Mul' || !exclusive(graph, term!)) continue;
    const [p, q] = scale.inputs;
    const cubed = near(scalarValue(p), 0.044715) ? q : near(scalarValue(q), 0.044715) ? p : undefined;
    const cube = cubed && cubeNodes(graph, cubed, x);
    if (cube) return { x, nodes: [...cube, scale, add, node] };
  }
  return undefined;
}

/** The nodes of `value = x³`: Pow(x, 3), or x·x·x as Mul(Mul(x, x), x) in any order. */
function cubeNodes(graph: Graph, value: Value, x: Value): Node[] | undefined {
  const node = value.producer;
  if (!node || !exclusive(graph, value)) return undefined;
  if (node.op === 'Pow') return node.inputs[0] === x && scalarValue(node.inputs[1]) === 3 ? [node] : undefined;
  if (node.op !== 'Mul') return undefined;
  const [a, b] = node.inputs;
  const square = a === x ? b : b === x ? a : undefined;
  const squareNode = square?.producer;
  if (!squareNode || squareNode.op !== 'Mul' || !exclusive(graph, square!) || squareNode.inputs[0] !== x || squareNode.inputs[1] !== x) return undefined;
  return [squareNode, node];
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

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
    for (const node of [...graph.nodes]) if ((node.op === 'Erf' || node.op === 'Tanh') && graph.nodes.includes(node)) tryFuse(graph, node, context);
  },
};
