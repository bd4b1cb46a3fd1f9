import { Constant, type Graph, Node, type Value } from '@kiln/onnx-tools';
import { KILN_DOMAIN, exclusive, isOnnxOp, nativeFloat, replaceNodes, sameShape, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * Scalar scales into a MatMul between two activations, as attention exports write the
 * 1/√d scaling (torch's scaled-dot-product-attention splits it as √(1/√d) on Q and on Kᵀ):
 *
 *   MatMul(Mul(A, c1), Mul(B, c2))  →  kiln.MatMul(A, B) with alpha = c1 · c2
 *   Div(MatMul(A, B), c)  or  Mul(MatMul(A, B), c)  →  kiln.MatMul(A, B) with alpha = 1/c or c
 *
 * (the second as BERT's and GPT-2's exports write the scaling: after the scores' MatMul)
 * for float32 scalar constants c1, c2 (either or both Muls, the constant on either side, Muls in
 * a chain), when each Mul's output has no other reader and keeps its input's shape. Neither
 * operand may be a constant (a constant B is fuse-conv-bias-act's, as a GEMM with packed weights).
 * The fused layer (f32_matmul or bf16_matmul tactics) multiplies the fp32 sums by alpha:
 * alpha · Σ a·b instead of Σ (a·c1)(b·c2), which rounds differently from the unfused graph, by a
 * few ulps in fp32.
 */
function tryFuse(graph: Graph, matmul: Node, context: PassContext, isNativeFloat: (value: Value | undefined) => boolean): boolean {
  const covered: Node[] = [];
  let alpha = 1;
  const operands = matmul.inputs.slice(0, 2).map((operand) => {
    let value = operand;
    for (let step = unscaled(graph, value); step !== undefined; step = unscaled(graph, value)) {
      covered.push(step.mul);
      alpha *= step.scale;
      value = step.input;
    }
    return value;
  });
  const [a, b] = operands;
  let output = matmul.outputs[0];
  for (let step = scaledAfter(graph, output); step !== undefined; step = scaledAfter(graph, output)) {
    covered.push(step.node);
    alpha *= step.scale;
    output = step.output;
  }
  if (covered.length === 0 || !a || !b || !output || [a, b].some((value) => value.isConstant) || ![a, b, output].every(isNativeFloat)) return false;
  if (!Number.isFinite(alpha)) return false;
  const fused = new Node({ op: 'MatMul', domain: KILN_DOMAIN, name: matmul.name, inputs: [a, b], outputs: [] });
  fused.attributes.set('alpha', { type: 'float', value: alpha });
  replaceNodes(graph, [...covered, matmul], fused);
  fused.setOutputs([output]);
  graph.toposort();
  context.fused(fused, [...covered, matmul]);
  return true;
}

/** `value` = Mul(input, scale) (either order) with a float32 scalar constant scale and no other reader of value. */
function unscaled(graph: Graph, value: Value | undefined): { mul: Node; input: Value; scale: number } | undefined {
  const mul = value?.producer;
  if (!value || !mul || !isOnnxOp(mul, 'Mul') || !graph.nodes.includes(mul) || !exclusive(graph, value)) return undefined;
  for (const [index, input] of mul.inputs.entries()) {
    const other = mul.inputs[1 - index];
    const scale = scalarValue(other);
    if (!input || input.isConstant || !(other instanceof Constant) || other.dtype !== 'float32' || scale === undefined) continue;
    if (!sameShape(input, value)) continue;
    return { mul, input, scale };
  }
  return undefined;
}

/** The only reader of `value`: Mul(value, c) or Div(value, c) (c a float32 scalar constant) keeping its shape, as a factor. */
function scaledAfter(graph: Graph, value: Value | undefined): { node: Node; output: Value; scale: number } | undefined {
  const node = value && exclusive(graph, value) && !graph.outputs.includes(value) ? value.consumers[0] : undefined;
  const output = node?.outputs[0];
  if (!node || !output || !(isOnnxOp(node, 'Mul') || isOnnxOp(node, 'Div')) || !sameShape(value!, output)) return undefined;
  const index = node.inputs.indexOf(value!);
  const other = node.inputs[1 - index];
  const c = scalarValue(other);
  if (!(other instanceof Constant) || other.dtype !== 'float32' || c === undefined || (isOnnxOp(node, 'Div') && index !== 0)) return undefined;
  return { node, output, scale: isOnnxOp(node, 'Div') ? 1 / c : c };
}

export const fuseMatmulScale: Pass = {
  name: 'fuse-matmul-scale',
  run(graph, context) {
    const isNativeFloat = nativeFloat(graph);
    for (const node of [...graph.nodes]) {
      if (isOnnxOp(node, 'MatMul') && graph.nodes.includes(node)) tryFuse(graph, node, context, isNativeFloat);
    }
  },
};
