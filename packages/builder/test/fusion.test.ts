import { Model, type Node, inferShapes, load, save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { NetworkDefinition } from '../src/network.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { randomFloat } from './helpers.js';

async function optimize(network: NetworkDefinition): Promise<{ nodes: Node[]; log: string[] }> {
  const model: Model = await load(save(network.model));
  inferShapes(model);
  const context = new PassContext(model, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3 });
  await runPipeline(context);
  return { nodes: context.model.graph.nodes, log: context.log.map((entry) => entry.message) };
}

function convNetwork() {
  const network = new NetworkDefinition();
  const x = network.addInput('x', 'float32', [1, 3, 16, 16]);
  const conv = network.addConvolution(x, { weights: randomFloat([8, 3, 3, 3], 1), pads: [1, 1, 1, 1] });
  return { network, x, conv };
}

describe('fusion passes (verifier on after every pass)', () => {
  it('folds BatchNormalization into the convolution and fuses the ReLU', async () => {
    const { network, conv } = convNetwork();
    const c = (values: number[]) => network.addConstant({ type: 'float32', dims: [8], data: Float32Array.from(values) });
    const bn = network.layer('BatchNormalization', [conv, c([1, 2, 1, 2, 1, 2, 1, 2]), c([0, 0, 1, 1, 0, 0, 1, 1]), c(new Array(8).fill(0.5)), c(new Array(8).fill(2))], {});
    network.markOutput(network.addActivation(bn, 'Relu'), 'y');
    const { nodes, log } = await optimize(network);
    expect(nodes.map((node) => `${node.domain}.${node.op}`)).toEqual(['kiln.FusedConv']);
    expect(nodes[0]!.attributes.get('activation')).toEqual({ type: 'string', value: 'relu' });
    expect(log.some((line) => /^Fused: conv_\d+ \+ batchnormalization_\d+ \+ relu_\d+$/.test(line))).toBe(true);
  });

  it('puts a residual Add and the following activation in the epilogue', async () => {
    const { network, x, conv } = convNetwork();
    const skip = network.addConvolution(x, { weights: randomFloat([8, 3, 1, 1], 2) });
    const sum = network.addElementwise(conv, skip, 'Add');
    network.markOutput(network.addActivation(sum, 'Relu'), 'y');
    const { nodes } = await optimize(network);
    expect(nodes.map((node) => node.op)).toEqual(['FusedConv', 'FusedConv']);
    const last = nodes[1]!;
    expect(last.inputs[3]).toBeDefined();
    expect(last.attributes.get('activation')).toEqual({ type: 'string', value: 'relu' });
  });

  it('turns the erf GELU pattern into one node and pulls it into the MatMul epilogue with the bias', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', 4, 16]);
    const w = network.addConstant(randomFloat([16, 32], 3));
    const bias = network.addConstant(randomFloat([32], 4));
    const projected = network.addElementwise(network.addMatrixMultiply(x, w), bias, 'Add');
    network.markOutput(network.addActivation(projected, 'Gelu'), 'y');
    const { nodes } = await optimize(network);
    expect(nodes.map((node) => node.op)).toEqual(['FusedGemm']);
    expect(nodes[0]!.inputs[2]).toBeDefined();
    expect(nodes[0]!.attributes.get('activation')).toEqual({ type: 'string', value: 'gelu_erf' });
  });

  it('absorbs a bias Add whose constant comes first (Add(bias, MatMul), as BERT exports write it)', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', 4, 16]);
    const projected = network.addElementwise(network.addConstant(randomFloat([32], 6)), network.addMatrixMultiply(x, network.addConstant(randomFloat([16, 32], 5))), 'Add');
    network.markOutput(network.addActivation(projected, 'Relu'), 'y');
    const { nodes } = await optimize(network);
    expect(nodes.map((node) => node.op)).toEqual(['FusedGemm']);
    expect(nodes[0]!.inputs[2]).toBeDefined();
    expect(nodes[0]!.attributes.get('activation')).toEqual({ type: 'string', value: 'relu' });
  });

  it('removes Identity and keeps the graph output name', async () => {
    const { network, conv } = convNetwork();
    network.markOutput(network.layer('Identity', [conv], {}), 'y');
    const { nodes } = await optimize(network);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.outputs[0]!.name).toBe('y');
  });
});
