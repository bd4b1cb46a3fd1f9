import { type Graph, Node, type Value } from '@kiln/onnx-tools';
import { KILN_DOMAIN, constantNumbers, exclusive, floatValues, intsAttribute, newConstant, replaceNodes, scalarValue } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';

/**
 * LayerNorm written out, as exporters emit it before opset 17:
 *   m = ReduceMean(x, axes);  d = x − m;  v = ReduceMean(d², axes)   (d² as Pow(d, 2) or d·d)
 *   y = d / Sqrt(v + ε)  [· γ]  [+ β]
 * with `axes` the trailing axes k..rank−1, becomes one `kiln.LayerNorm(x, γ, β)` (axis k, ε),
 * lowered to the native layernorm kernel. γ and β must be constants of the normalized shape.
 */
function tryFuse(graph: Graph, div: Node, context: PassContext): boolean {
  const [d, s] = div.inputs;
  const sub = d?.producer;
  const sqrt = s?.producer;
  if (!d || !s || sub?.op !== 'Sub' || sqrt?.op !== 'Sqrt' || !exclusive(graph, s)) return false;
  const [x, m] = sub.inputs;
  const rank = x?.shape?.length;
  const mean = m?.producer;
  if (!x || !m || x.dtype !== 'float32' || rank === undefined || mean?.op !== 'ReduceMean' || mean.inputs[0] !== x || !exclusive(graph, m)) return false;
  const axis = trailingAxis(mean, rank);
  if (axis === undefined) return false;
  // d feeds exactly the square and the division.
  const square = d.consumers.find((node) => node !== div);
  if (d.consumers.length !== 2 || graph.outputs.includes(d) || !square || !isSquareOf(square, d)) return false;
  const addEps = sqrt.inputs[0]?.producer;
  if (addEps?.op !== 'Add' || !exclusive(graph, sqrt.inputs[0]!)) return false;
  const varValue = addEps.inputs.find((input) => input?.producer?.op === 'ReduceMean');
  const epsilon = scalarValue(addEps.inputs[0] === varValue ? addEps.inputs[1] : addEps.inputs[0]);
  const variance = varValue?.producer;
  if (!varValue || epsilon === undefined || !variance || variance.inputs[0] !== square.outputs[0] || trailingAxis(variance, rank) !== axis) return false;
  if (!exclusive(graph, varValue) || !exclusive(graph, square.outputs[0]!)) return false;
  const covered: Node[] = [mean, sub, square, variance, addEps, sqrt, div];
  const normalized = (x.shape ?? []).slice(axis);
  if (!normalized.every((dim) => typeof dim === 'number')) return false;
  const size = (normalized as number[]).reduce((a, b) => a * b, 1);
  let output = div.outputs[0]!;
  const gamma = affine(graph, output, 'Mul', size);
  if (gamma) {
    covered.push(gamma.node);
    output = gamma.node.outputs[0]!;
  }
  const beta = affine(graph, output, 'Add', size);
  if (beta) {
    covered.push(beta.node);
    output = beta.node.outputs[0]!;
  }
  const dims = normalized as number[];
  const scale = gamma ? gamma.values : new Float32Array(size).fill(1);
  const shift = beta ? beta.values : new Float32Array(size);
  const layerNorm = new Node({
    op: 'LayerNorm',
    domain: KILN_DOMAIN,
    name: context.freshName(graph, 'layernorm'),
    inputs: [x, newConstant(context, graph, 'layernorm_scale', dims, Float32Array.from(scale)), newConstant(context, graph, 'layernorm_bias', dims, Float32Array.from(shift))],
    outputs: [],
  });
  layerNorm.attributes.set('axis', { type: 'int', value: axis });
  layerNorm.attributes.set('epsilon', { type: 'float', value: epsilon });
  replaceNodes(graph, covered, layerNorm);
  layerNorm.setOutputs([output]);
  graph.toposort();
  context.fused(layerNorm, covered);
  return true;
}

/** The first reduced axis when ReduceMean (keepdims) reduces exactly the trailing axes. */
function trailingAxis(node: Node, rank: number): number | undefined {
  let axes = intsAttribute(node, 'axes');
  if (node.inputs[1] !== undefined) {
    axes = constantNumbers(node.inputs[1]);
  }
  const keepdims = node.attributes.get('keepdims');
  if (!axes || axes.length === 0 || (keepdims?.type === 'int' && keepdims.value === 0)) return undefined;
  const sorted = axes.map((axis) => (axis < 0 ? axis + rank : axis)).sort((a, b) => a - b);
  return sorted.every((axis, i) => axis === rank - sorted.length + i) ? sorted[0] : undefined;
}

function isSquareOf(node: Node, d: Value): boolean {
  if (node.op === 'Pow') return node.inputs[0] === d && scalarValue(node.inputs[1]) === 2;
  return node.op === 'Mul' && node.inputs[0] === d && node.inputs[1] === d;
}

/** `Mul(value, γ)` / `Add(value, β)` with a constant of the normalized size, if it follows. */
function affine(graph: Graph, value: Value, op: 'Mul' | 'Add', size: number): { node: Node; values: Float32Array } | undefined {
  if (!exclusive(graph, value)) return undefined;
  const node = value.consumers[0]!;
  if (node.op !== op) return undefined;
  const other = node.inputs[0] === value ? node.inputs[1] : node.inputs[0];
  const values = floatValues(other);
  const shape = other?.shape ?? [];
  // Only a constant that broadcasts along the normalized axes alone ([C] or [1, ..., C]).
  if (!values || values.length !== size || shape.length > (value.shape?.length ?? 0)) return undefined;
  return { node, values };
}

export const fuseLayerNorm: Pass = {
  name: 'fuse-layernorm',
  run(graph, context) {
    for (const node of [...graph.nodes]) if (node.op === 'Div' && graph.nodes.includes(node)) tryFuse(graph, node, context);
  },
};
