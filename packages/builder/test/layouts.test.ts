import { type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { closeTo, randomFloat } from './helpers.js';

/** A squeezenet-style fire module: conv → max pool → squeeze → two expands → concat → pools. */
function fireNetwork(): NetworkDefinition {
  const network = new NetworkDefinition();
  const x = network.addInput('image', 'float32', ['N', 3, 17, 17]);
  const stem = network.addActivation(network.addConvolution(x, { weights: randomFloat([24, 3, 3, 3], 21, 0.5), pads: [1, 1, 1, 1] }), 'Relu');
  const pooled = network.addPooling(stem, { type: 'max', kernel: [3, 3], strides: [2, 2] });
  const squeeze = network.addActivation(network.addConvolution(pooled, { weights: randomFloat([8, 24, 1, 1], 22, 0.5) }), 'Relu');
  const left = network.addActivation(network.addConvolution(squeeze, { weights: randomFloat([20, 8, 1, 1], 23, 0.5) }), 'Relu');
  const right = network.addActivation(network.addConvolution(squeeze, { weights: randomFloat([20, 8, 3, 3], 24, 0.3), pads: [1, 1, 1, 1] }), 'Relu');
  const fire = network.addConcatenation([left, right], 1);
  const averaged = network.addPooling(fire, { type: 'average', kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], countIncludePad: true });
  network.markOutput(network.addPooling(averaged, { type: 'globalAverage' }), 'features');
  return network;
}

describe('layout sinking', () => {
  it('keeps conv → pool → concat → pool chains in NHWC and matches the reference evaluator', async () => {
    const network = fireNetwork();
    const config = new BuilderConfig();
    config.verifyPasses = true;
    config.addOptimizationProfile({ image: { min: [1, 3, 17, 17], opt: [2, 3, 17, 17], max: [3, 3, 17, 17] } });
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
    const layers = engine.inspect().layers;
    // One reformat back to NCHW at the output and none in between. Whether the stem reads the NCHW
    // input itself (f32_conv_nchw) or through an input reformat is a timed choice, so either is right.
    const reformats = layers.filter((layer) => layer.type === 'Reformat');
    const readsImage = (layer: (typeof layers)[number]) => layer.inputs.some((input) => input.name === 'image');
    expect(reformats.filter((layer) => !readsImage(layer))).toHaveLength(1);
    const stem = layers.find((layer) => layer.type === 'Convolution')!;
    expect(reformats.filter(readsImage)).toHaveLength(stem.tactic.startsWith('f32_conv_nchw_') ? 0 : 1);
    expect(layers.filter((layer) => layer.type === 'Pooling').every((layer) => layer.tactic.includes('_nhwc__'))).toBe(true);
    const concat = layers.find((layer) => layer.type === 'Concatenation')!;
    expect(concat.outputs[0]!.dims).toEqual(['N', 8, 8, 40]);
    const context = engine.createExecutionContext();
    for (const batch of [1, 3]) {
      const feeds: Record<string, Tensor> = { image: randomFloat([batch, 3, 17, 17], 200 + batch) };
      const [mine, theirs] = [await context.run(feeds), await evaluate(await load(save(network.model)), feeds)];
      const result = closeTo(mine.features!, theirs.features!, 1e-5, 1e-4);
      expect(result.ok, result.message).toBe(true);
    }
  });
});
