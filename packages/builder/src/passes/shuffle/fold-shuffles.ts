import type { Graph, Node, Value } from '@kiln/onnx-tools';
import { constantNumbers, intAttribute, intsAttribute, isOnnxOp } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { bypass } from '../cleanup/remove-identity.js';

/**
 * Reshape/Transpose folding (TensorRT merges shuffles the same way):
 * - Transpose → Transpose becomes one Transpose with the composed permutation;
 * - Reshape → Reshape becomes one Reshape when the second shape is a constant without 0s (a 0
 *   copies a dim of the intermediate tensor, which folding would change);
 * - a Transpose with the identity permutation, or a Reshape / Flatten / Squeeze / Unsqueeze whose
 *   output has its input's static shape, is removed.
 * Nodes left without readers go in the next dead-node elimination.
 */
const RESHAPES = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze']);

function onnx(node: Node | undefined, op: string): boolean {
  return node !== undefined && isOnnxOp(node, op);
}

function permOf(node: Node): number[] | undefined {
  const rank = node.inputs[0]?.shape?.length;
  if (rank === undefined) return undefined;
  return intsAttribute(node, 'perm') ?? [...Array(rank).keys()].reverse();
}

function staticShape(value: Value | undefined): readonly number[] | undefined {
  const shape = value?.shape;
  return shape?.every((dim) => typeof dim === 'number') ? (shape as readonly number[]) : undefined;
}

function foldTransposes(graph: Graph, node: Node, context: PassContext): boolean {
  const inner = node.inputs[0]?.producer;
  if (!inner || !onnx(node, 'Transpose') || !onnx(inner, 'Transpose') || !graph.nodes.includes(inner)) return false;
  const outer = permOf(node);
  const first = permOf(inner);
  if (!outer || !first || outer.length !== first.length) return false;
  node.attributes.set('perm', { type: 'ints', value: outer.map((axis) => first[axis]!) });
  node.setInput(0, inner.inputs[0]!);
  context.note(`Folded ${inner.describe()} into ${node.describe()}`);
  return true;
}

function foldReshapes(graph: Graph, node: Node, context: PassContext): boolean {
  const inner = node.inputs[0]?.producer;
  if (!inner || !onnx(node, 'Reshape') || !onnx(inner, 'Reshape') || !graph.nodes.includes(inner)) return false;
  const shape = constantNumbers(node.inputs[1]);
  if (!shape || (shape.includes(0) && intAttribute(node, 'allowzero', 0) === 0)) return false;
  node.setInput(0, inner.inputs[0]!);
  context.note(`Folded ${inner.describe()} into ${node.describe()}`);
  return true;
}

function isNoOpShuffle(node: Node): boolean {
  if (onnx(node, 'Transpose')) return permOf(node)?.every((axis, i) => axis === i) ?? false;
  if (!RESHAPES.has(node.op) || !(node.domain === '' || node.domain === 'ai.onnx')) return false;
  const input = staticShape(node.inputs[0]);
  const output = staticShape(node.outputs[0]);
  return input !== undefined && output !== undefined && input.length === output.length && input.every((dim, i) => dim === output[i]);
}

export const foldShuffles: Pass = {
  name: 'fold-shuffles',
  run(graph, context) {
    for (let changed = true; changed; ) {
      changed = false;
      for (const node of [...graph.nodes]) {
        if (!graph.nodes.includes(node)) continue;
        if (foldTransposes(graph, node, context) || foldReshapes(graph, node, context)) changed = true;
        else if (isNoOpShuffle(node) && bypass(graph, node, context)) changed = true;
      }
    }
  },
};
