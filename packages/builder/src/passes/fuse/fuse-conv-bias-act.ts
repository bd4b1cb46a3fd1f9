import { type Graph, Node, type Value } from '@kiln/onnx-tools';
import { activationOf } from '../../internal/activations.js';
import { KILN_DOMAIN, floatAttribute, floatValues, intAttribute, isKilnOp, newConstant, replaceNodes } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { QDQ_ATTRIBUTES } from '../../internal/precision.js';
import { type Match, type NodePattern, type Rewrite, rewriteAll } from '../../internal/pattern.js';

/**
 * Conv, Gemm and MatMul-with-constant-weights become Kiln's fused layers, which then absorb a
 * following bias Add and activation into their epilogue:
 *
 * - `kiln.FusedConv(X, W, B?, R?)`: Conv's attributes plus `activation` / `activation_params`.
 * - `kiln.FusedGemm(A, B, C?, R?)`: Y = act(A · op(B) + C + R) over the last axis of A (any
 *   rank: leading axes are rows); B constant 2-D, `transB` 0/1; C a bias of N values.
 *
 * Epilogue order is bias, residual, activation (see fuse-residual-add).
 */
/** The int8 quantization fold-qdq left on the node (see passes/quantize/fold-qdq.ts). */
function copyQuantization(from: Node, to: Node): void {
  for (const name of QDQ_ATTRIBUTES) {
    const attribute = from.attributes.get(name);
    if (attribute) to.attributes.set(name, attribute);
  }
}

const toFusedConv = (context: PassContext): [NodePattern, Rewrite] => [{ op: 'Conv', bind: 'conv', inputs: [undefined, { tensor: true, constant: true }] }, (graph, match) => {
  const conv = match.nodes.get('conv')!;
  if (conv.inputs[1]?.dtype !== 'float32') return false;
  const fused = new Node({ op: 'FusedConv', domain: KILN_DOMAIN, name: conv.name, inputs: conv.inputs, outputs: conv.outputs, attributes: new Map(conv.attributes) });
  fused.attributes.set('activation', { type: 'string', value: 'none' });
  return swap(graph, context, conv, fused);
}];

function toFusedGemmFromGemm(context: PassContext): [NodePattern, Rewrite] {
  return [{ op: 'Gemm', bind: 'gemm', inputs: [undefined, { tensor: true, constant: true }] }, (graph, match) => {
    const gemm = match.nodes.get('gemm')!;
    const b = gemm.inputs[1]!;
    let bValues = floatValues(b);
    if (!bValues || intAttribute(gemm, 'transA', 0) !== 0 || gemm.inputs[0]?.shape?.length !== 2) return false;
    const alpha = floatAttribute(gemm, 'alpha', 1);
    const beta = floatAttribute(gemm, 'beta', 1);
    let c = gemm.inputs[2];
    if (alpha !== 1) {
      bValues = bValues.map((value) => value * alpha);
      gemm.setInput(1, newConstant(context, graph, `${b.name}_alpha`, b.shape as number[], bValues));
    }
    const transB = intAttribute(gemm, 'transB', 0);
    const n = (b.shape as number[])[transB === 1 ? 0 : 1]!;
    if (c !== undefined) {
      const cValues = floatValues(c);
      // Only a per-column bias (N values, possibly with leading 1s) fits the epilogue.
      if (!cValues || !(c.shape ?? []).slice(0, -1).every((dim) => dim === 1) || (cValues.length !== n && cValues.length !== 1)) return false;
      const bias = new Float32Array(n).map((_, i) => (cValues.length === 1 ? cValues[0]! : cValues[i]!) * beta);
      c = newConstant(context, graph, `${c.name}_bias`, [n], bias);
    }
    const fused = new Node({ op: 'FusedGemm', domain: KILN_DOMAIN, name: gemm.name, inputs: [gemm.inputs[0], gemm.inputs[1], c], outputs: gemm.outputs });
    copyQuantization(gemm, fused);
    fused.attributes.set('transB', { type: 'int', value: transB });
    fused.attributes.set('activation', { type: 'string', value: 'none' });
    return swap(graph, context, gemm, fused);
  }];
}

const toFusedGemmFromMatMul = (context: PassContext): [NodePattern, Rewrite] => [
  { op: 'MatMul', bind: 'matmul', inputs: [undefined, { tensor: true, constant: true, where: (value: Value) => value.shape?.length === 2 && value.dtype === 'float32' }] },
  (graph, match) => {
    const matmul = match.nodes.get('matmul')!;
    if ((matmul.inputs[0]?.shape?.length ?? 0) < 1) return false;
    const fused = new Node({ op: 'FusedGemm', domain: KILN_DOMAIN, name: matmul.name, inputs: [matmul.inputs[0], matmul.inputs[1]], outputs: matmul.outputs });
    copyQuantization(matmul, fused);
    fused.attributes.set('transB', { type: 'int', value: 0 });
    fused.attributes.set('activation', { type: 'string', value: 'none' });
    return swap(graph, context, matmul, fused);
  },
];

/** Fused layer (no bias yet, nothing after the bias in its epilogue) + Add(constant per-channel) → bias. */
function absorbBias(context: PassContext): [NodePattern, Rewrite] {
  const fresh = (node: Node) => node.inputs[2] === undefined && node.inputs[3] === undefined && activation(node) === 'none';
  return [{
    op: 'Add',
    bind: 'add',
    commutative: true,
    inputs: [{ op: ['kiln.FusedConv', 'kiln.FusedGemm'], bind: 'layer', where: fresh }, { tensor: true, constant: true, bind: 'bias' }],
  }, (graph, match) => {
    const layer = match.nodes.get('layer')!;
    const add = match.nodes.get('add')!;
    const bias = match.tensors.get('bias')!;
    const values = floatValues(bias);
    const out = layer.outputs[0]!;
    const channels = channelCount(layer);
    if (!values || channels === undefined || values.length !== channels) return false;
    const shape = bias.shape ?? [];
    const rank = out.shape?.length ?? 0;
    // The bias must broadcast along the channel axis only: [C], [1, C] for GEMM; [C,1,1] / [1,C,1,1] for conv.
    const channelAxis = isKilnOp(layer, 'FusedConv') ? 1 : rank - 1;
    const aligned = shape.length <= rank && shape.every((dim, index) => (rank - shape.length + index === channelAxis ? dim === channels : dim === 1));
    if (!aligned) return false;
    layer.setInput(2, newConstant(context, graph, `${bias.name}_bias`, [channels], Float32Array.from(values)));
    return absorb(graph, context, layer, add);
  }];
}

/** Fused layer whose epilogue has no activation yet + a supported activation → in the epilogue. */
function absorbActivation(context: PassContext): [NodePattern, Rewrite] {
  return [{
    op: ['Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'Tanh', 'HardSwish', 'Gelu', 'kiln.Gelu'],
    bind: 'act',
    inputs: [{ op: ['kiln.FusedConv', 'kiln.FusedGemm'], bind: 'layer', where: (node: Node) => activation(node) === 'none' }],
  }, (graph, match) => {
    const layer = match.nodes.get('layer')!;
    const act = match.nodes.get('act')!;
    const found = activationOf(act);
    if (!found || act.inputs[0] !== layer.outputs[0]) return false;
    layer.attributes.set('activation', { type: 'string', value: found.kind });
    if (found.params.length > 0) layer.attributes.set('activation_params', { type: 'floats', value: found.params });
    return absorb(graph, context, layer, act);
  }];
}

/** SiLU written as Mul(x, Sigmoid(x)) after a fused layer. */
function absorbSilu(context: PassContext): [NodePattern, Rewrite] {
  return [{ op: 'Mul', bind: 'mul' }, (graph, match) => {
    const mul = match.nodes.get('mul')!;
    const [a, b] = mul.inputs;
    for (const [x, s] of [[a, b], [b, a]] as const) {
      const sigmoid = s?.producer;
      const layer = x?.producer;
      if (!sigmoid || !layer || sigmoid.op !== 'Sigmoid' || sigmoid.inputs[0] !== x) continue;
      if (!(isKilnOp(layer, 'FusedConv') || isKilnOp(layer, 'FusedGemm')) || activation(layer) !== 'none') continue;
      if (x!.consumers.length !== 2 || s!.consumers.length !== 1 || graph.outputs.includes(x!) || graph.outputs.includes(s!)) continue;
      layer.attributes.set('activation', { type: 'string', value: 'silu' });
      const output = mul.outputs[0]!;
      graph.removeNode(sigmoid);
      graph.removeNode(mul);
      layer.setOutputs([output]);
      context.fused(layer, [layer, sigmoid, mul]);
      return true;
    }
    return false;
  }];
}

export function activation(node: Node): string {
  const attribute = node.attributes.get('activation');
  return attribute?.type === 'string' ? attribute.value : 'none';
}

/** Output channels: conv weight dim 0; GEMM N. */
export function channelCount(layer: Node): number | undefined {
  const weights = layer.inputs[1]?.shape;
  if (!weights) return undefined;
  if (isKilnOp(layer, 'FusedConv')) return weights[0] as number;
  return weights[intAttribute(layer, 'transB', 0) === 1 ? 0 : 1] as number;
}

/** `next` (single-input epilogue op reading `layer`) disappears; `layer` writes next's output. */
export function absorb(graph: Graph, context: PassContext, layer: Node, next: Node): boolean {
  const output = next.outputs[0]!;
  graph.removeNode(next);
  layer.setOutputs([output]);
  context.fused(layer, [layer, next]);
  return true;
}

function swap(graph: Graph, context: PassContext, old: Node, fused: Node): boolean {
  const outputs = old.outputs;
  const inputs = fused.inputs;
  context.replaced(old, fused);
  replaceNodes(graph, [old], fused);
  fused.setInputs(inputs);
  fused.setOutputs(outputs);
  return true;
}

export const fuseConvBiasAct: Pass = {
  name: 'fuse-conv-bias-act',
  run(graph, context) {
    rewriteAll(graph, [toFusedConv(context), toFusedGemmFromGemm(context), toFusedGemmFromMatMul(context)]);
    rewriteAll(graph, [absorbBias(context), absorbActivation(context), absorbSilu(context)]);
  },
};

export type { Match };
