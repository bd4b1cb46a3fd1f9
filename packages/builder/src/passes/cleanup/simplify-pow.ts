import { type Graph, Node, Variable } from '@kiln/onnx-tools';
import { scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * Pow with a constant exponent that is a small power: x², x³ (RMSNorm's and tanh GELU's, when
 * fuse-layernorm and fuse-gelu did not take them), √x, 1/x, 1/√x and x¹ become Mul, Sqrt and
 * Reciprocal nodes. The general Pow kernel calls the C library's pow per element (a vector
 * formula cannot keep its edge cases: negative bases with integral exponents, 0⁰, infinities),
 * about 25x the time of a Mul on this shape of work. x² is exact either way; x³ as x·x·x can
 * differ from a correctly rounded pow by an ulp.
 */
function rewrite(graph: Graph, pow: Node, context: PassContext): void {
  const [x, exponent] = pow.inputs;
  const y = pow.outputs[0];
  const e = scalarValue(exponent);
  if (!x || !y || x.dtype === undefined || !['float32', 'float16', 'bfloat16', 'float64'].includes(x.dtype) || e === undefined) return;
  const name = (suffix: string) => context.freshName(graph, `${pow.name || 'pow'}_${suffix}`);
  const between = (suffix: string) => new Variable(name(suffix), x.dtype as 'float32', y.shape);
  let nodes: Node[];
  if (e === 2) {
    nodes = [new Node({ op: 'Mul', name: name('square'), inputs: [x, x], outputs: [y] })];
  } else if (e === 3) {
    const square = between('square');
    nodes = [new Node({ op: 'Mul', name: name('square'), inputs: [x, x], outputs: [square] }), new Node({ op: 'Mul', name: name('cube'), inputs: [square, x], outputs: [y] })];
  } else if (e === 0.5) {
    nodes = [new Node({ op: 'Sqrt', name: name('sqrt'), inputs: [x], outputs: [y] })];
  } else if (e === -1) {
    nodes = [new Node({ op: 'Reciprocal', name: name('reciprocal'), inputs: [x], outputs: [y] })];
  } else if (e === -0.5) {
    const root = between('sqrt');
    nodes = [new Node({ op: 'Sqrt', name: name('sqrt'), inputs: [x], outputs: [root] }), new Node({ op: 'Reciprocal', name: name('reciprocal'), inputs: [root], outputs: [y] })];
  } else if (e === 1 && !graph.outputs.includes(y)) {
    for (const consumer of [...y.consumers]) consumer.replaceInput(y, x);
    nodes = [];
  } else {
    return;
  }
  const position = graph.nodes.indexOf(pow);
  graph.removeNode(pow);
  graph.nodes.splice(position, 0, ...nodes);
  context.note(`Rewrote ${pow.describe()} (exponent ${e}) as ${nodes.length === 0 ? 'its input' : nodes.map((node) => node.op).join(' + ')}`);
}

export const simplifyPow: Pass = {
  name: 'simplify-pow',
  run(graph, context) {
    for (const node of [...graph.nodes]) if (node.op === 'Pow' && (node.domain === '' || node.domain === 'ai.onnx')) rewrite(graph, node, context);
  },
};
