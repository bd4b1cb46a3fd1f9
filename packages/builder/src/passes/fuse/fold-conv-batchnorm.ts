import type { Graph } from '@kiln/onnx-tools';
import { floatAttribute, floatValues, intAttribute, newConstant } from '../../internal/ir-helpers.js';
import type { Pass, PassContext } from '../../internal/pass.js';
import { type NodePattern, rewriteAll } from '../../internal/pattern.js';

/**
 * Conv → BatchNormalization (inference) becomes one Conv with the normalization folded into its
 * weights and bias: s = scale / sqrt(var + epsilon); W' = W · s (per output channel);
 * b' = (b − mean) · s + bias.
 */
const pattern: NodePattern = {
  op: 'BatchNormalization',
  bind: 'bn',
  where: (node) => intAttribute(node, 'training_mode', 0) === 0 && node.outputs.filter(Boolean).length === 1,
  inputs: [
    { op: 'Conv', bind: 'conv', inputs: [undefined, { tensor: true, constant: true }] },
    { tensor: true, constant: true, bind: 'scale' },
    { tensor: true, constant: true, bind: 'bias' },
    { tensor: true, constant: true, bind: 'mean' },
    { tensor: true, constant: true, bind: 'var' },
  ],
};

function rewrite(graph: Graph, match: import('../../internal/pattern.js').Match, context: PassContext): boolean {
  const bn = match.nodes.get('bn')!;
  const conv = match.nodes.get('conv')!;
  const weights = conv.inputs[1]!;
  const w = floatValues(weights);
  const scale = floatValues(match.tensors.get('scale'));
  const shift = floatValues(match.tensors.get('bias'));
  const mean = floatValues(match.tensors.get('mean'));
  const variance = floatValues(match.tensors.get('var'));
  const oldBias = conv.inputs[2] === undefined ? undefined : floatValues(conv.inputs[2]);
  if (!w || !scale || !shift || !mean || !variance || (conv.inputs[2] !== undefined && !oldBias)) return false;
  const channels = weights.shape![0] as number;
  if (scale.length !== channels || shift.length !== channels || mean.length !== channels || variance.length !== channels) return false;
  const epsilon = floatAttribute(bn, 'epsilon', 1e-5);
  const perChannel = w.length / channels;
  const newWeights = new Float32Array(w.length);
  const newBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const s = scale[c]! / Math.sqrt(variance[c]! + epsilon);
    for (let i = 0; i < perChannel; i++) newWeights[c * perChannel + i] = w[c * perChannel + i]! * s;
    newBias[c] = ((oldBias?.[c] ?? 0) - mean[c]!) * s + shift[c]!;
  }
  conv.setInput(1, newConstant(context, graph, `${weights.name}_bn`, weights.shape as number[], newWeights));
  conv.setInput(2, newConstant(context, graph, `${conv.name || 'conv'}_bias_bn`, [channels], newBias));
  const output = bn.outputs[0]!;
  graph.removeNode(bn);
  conv.setOutputs([output]);
  context.fused(conv, [conv, bn]);
  return true;
}

export const foldConvBatchnorm: Pass = {
  name: 'fold-conv-batchnorm',
  run(graph, context) {
    rewriteAll(graph, [[pattern, (g, m) => rewrite(g, m, context)]]);
  },
};
