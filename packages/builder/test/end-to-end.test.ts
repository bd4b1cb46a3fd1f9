import { KilnError } from '@kiln/common';
import { type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { closeTo, randomFloat } from './helpers.js';

/** A small CNN + classifier head built by hand: conv/bn/relu, residual, pooling, GEMM, softmax. */
function smallNetwork(): NetworkDefinition {
  const network = new NetworkDefinition();
  const x = network.addInput('image', 'float32', ['N', 3, 15, 15]);
  const c1 = network.addActivation(network.addConvolution(x, { weights: randomFloat([8, 3, 3, 3], 11, 0.5), bias: randomFloat([8], 12), pads: [1, 1, 1, 1] }), 'Relu');
  const c2 = network.addConvolution(c1, { weights: randomFloat([8, 8, 3, 3], 13, 0.3), pads: [1, 1, 1, 1] });
  const residual = network.addActivation(network.addElementwise(c2, c1, 'Add'), 'Relu');
  const depthwise = network.addActivation(network.addConvolution(residual, { weights: randomFloat([8, 1, 3, 3], 14), group: 8, strides: [2, 2], pads: [0, 0, 1, 1] }), 'Clip', { alpha: 0, beta: 6 });
  const pooled = network.addPooling(depthwise, { type: 'globalAverage' });
  const flat = network.addShuffle(pooled, { reshape: [0, -1] });
  const logits = network.addMatrixMultiply(flat, network.addConstant(randomFloat([8, 5], 15)));
  network.markOutput(network.addSoftmax(network.addElementwise(logits, network.addConstant(randomFloat([5], 16)), 'Add')), 'probabilities');
  return network;
}

async function reference(network: NetworkDefinition, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  return evaluate(await load(save(network.model)), feeds);
}

describe('builder → plan → runtime', () => {
  it('a hand-built network matches the reference evaluator at two batch sizes of one profile', async () => {
    const network = smallNetwork();
    const config = new BuilderConfig();
    config.verifyPasses = true;
    config.addOptimizationProfile({ image: { min: [1, 3, 15, 15], opt: [2, 3, 15, 15], max: [4, 3, 15, 15] } });
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
    expect(engine.inputs[0]!.shape).toEqual([-1, 3, 15, 15]);
    const context = engine.createExecutionContext();
    for (const batch of [1, 3]) {
      const feeds = { image: randomFloat([batch, 3, 15, 15], 100 + batch) };
      const [mine, theirs] = [await context.run(feeds), await reference(network, feeds)];
      const result = closeTo(mine.probabilities!, theirs.probabilities!, 1e-5, 1e-4);
      expect(result.ok, result.message).toBe(true);
    }
    const layers = engine.inspect().layers;
    expect(layers.some((layer) => layer.sources.length > 1)).toBe(true);
    expect(layers.every((layer) => layer.tactic !== 'reference')).toBe(true);
  });

  it('rejects shapes outside the profile and wrong dtypes before running', async () => {
    const config = new BuilderConfig();
    config.builderOptimizationLevel = 0;
    config.addOptimizationProfile({ image: { min: [1, 3, 15, 15], opt: [1, 3, 15, 15], max: [2, 3, 15, 15] } });
    const context = new Runtime().deserializeEngine(await buildSerializedNetwork(smallNetwork(), config)).createExecutionContext();
    await expect(context.run({ image: randomFloat([3, 3, 15, 15], 1) })).rejects.toSatisfy((error) => KilnError.isInstance(error, 'ERR_SHAPE_PROFILE'));
    await expect(context.run({ image: { type: 'int32', dims: [1, 3, 15, 15], data: new Int32Array(675) } as Tensor })).rejects.toSatisfy((error) => KilnError.isInstance(error, 'ERR_INPUT_DTYPE'));
    await expect(context.run({ image: { type: 'float32', dims: [1, 3, 15, 15], data: new Float32Array(10) } })).rejects.toSatisfy((error) => KilnError.isInstance(error, 'ERR_INPUT_SHAPE'));
    await expect(context.run({})).rejects.toSatisfy((error) => KilnError.isInstance(error, 'ERR_INPUT'));
  });

  it('checks every feed the same way after a run of the same shape (the per-context fast path)', async () => {
    const config = new BuilderConfig();
    config.builderOptimizationLevel = 0;
    config.addOptimizationProfile({ image: { min: [1, 3, 15, 15], opt: [2, 3, 15, 15], max: [4, 3, 15, 15] } });
    const network = smallNetwork();
    const context = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config)).createExecutionContext();
    const two = { image: randomFloat([2, 3, 15, 15], 7) };
    const first = await context.run(two);
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        return KilnError.isInstance(error) ? error.code : String(error);
      }
      return 'no error';
    };
    const bad: [Record<string, Tensor>, string][] = [
      [{ image: { type: 'int32', dims: [2, 3, 15, 15], data: new Int32Array(1350) } as Tensor }, 'ERR_INPUT_DTYPE'],
      [{ image: { type: 'float32', dims: [2, 3, 15, 15], data: new Float64Array(1350) } as unknown as Tensor }, 'ERR_INPUT_DTYPE'],
      [{ image: { type: 'float32', dims: [2, 3, 15, 15], data: new Float32Array(1349) } }, 'ERR_INPUT_SHAPE'],
      [{ image: { type: 'float32', dims: [3, 3, 15, 15], data: new Float32Array(1350) } }, 'ERR_INPUT_SHAPE'],
      [{ image: randomFloat([5, 3, 15, 15], 1) }, 'ERR_SHAPE_PROFILE'],
      [{ ...two, other: two.image }, 'ERR_INPUT'],
      [Object.assign(Object.create(two) as Record<string, Tensor>, { other: two.image }), 'ERR_INPUT'],
      [{}, 'ERR_INPUT'],
    ];
    for (const [feeds, expected] of bad) {
      expect(code(() => context.runSync(feeds))).toBe(expected);
      await expect(context.run(feeds)).rejects.toSatisfy((error) => KilnError.isInstance(error, expected));
    }
    const three = { image: randomFloat([3, 3, 15, 15], 8) };
    const other = await context.run(three);
    expect(other.probabilities!.dims).toEqual([3, 5]);
    const close = closeTo(other.probabilities!, (await reference(network, three)).probabilities!, 1e-5, 1e-4);
    expect(close.ok, close.message).toBe(true);
    const again = context.runSync(two);
    expect(again.probabilities!.data).not.toBe(first.probabilities!.data);
    expect(Array.from(again.probabilities!.data as Float32Array)).toEqual(Array.from(first.probabilities!.data as Float32Array));
    context.runSync(three);
    context.setInputShape('image', [2, 3, 15, 15]);
    expect(code(() => context.runSync(three))).toBe('ERR_INPUT_SHAPE');
    expect(context.runSync(two).probabilities!.dims).toEqual([2, 5]);
  });

  it('eight contexts of one engine running concurrently give bit-identical results to one at a time', async () => {
    const config = new BuilderConfig();
    config.addOptimizationProfile({ image: { min: [1, 3, 15, 15], opt: [2, 3, 15, 15], max: [2, 3, 15, 15] } });
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(smallNetwork(), config));
    const feeds = Array.from({ length: 8 }, (_, i) => ({ image: randomFloat([2, 3, 15, 15], 200 + i) }));
    const single = engine.createExecutionContext();
    const sequential: Tensor[] = [];
    for (const feed of feeds) sequential.push((await single.run(feed)).probabilities!);
    const contexts = feeds.map(() => engine.createExecutionContext());
    const concurrent = await Promise.all(contexts.map((context, i) => context.run(feeds[i]!)));
    concurrent.forEach((outputs, i) => expect(Array.from(outputs.probabilities!.data as Float32Array)).toEqual(Array.from(sequential[i]!.data as Float32Array)));
  });

  it('reports tensor shapes of a static engine without any setInputShape, and of a dynamic one after it', async () => {
    const config = new BuilderConfig();
    config.builderOptimizationLevel = 0;
    config.addOptimizationProfile({ image: { min: [1, 3, 15, 15], opt: [2, 3, 15, 15], max: [4, 3, 15, 15] } });
    const dynamic = new Runtime().deserializeEngine(await buildSerializedNetwork(smallNetwork(), config)).createExecutionContext();
    expect(() => dynamic.getTensorShape('probabilities')).toThrowError(/No shape for input "image"/);
    dynamic.setInputShape('image', [3, 3, 15, 15]);
    expect(dynamic.getTensorShape('probabilities')).toEqual([3, 5]);
    const fixed = new BuilderConfig();
    fixed.builderOptimizationLevel = 0;
    fixed.addOptimizationProfile({ image: { min: [2, 3, 15, 15], opt: [2, 3, 15, 15], max: [2, 3, 15, 15] } });
    const context = new Runtime().deserializeEngine(await buildSerializedNetwork(smallNetwork(), fixed)).createExecutionContext();
    expect(context.getTensorShape('probabilities')).toEqual([2, 5]);
  });

  it('falls back to reference layers for ops without native kernels', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [2, 6]);
    const y = network.layer('Asinh', [network.addActivation(x, 'Relu')], {});
    network.markOutput(network.addActivation(y, 'Tanh'), 'y');
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, new BuilderConfig()));
    expect(engine.inspect().layers.map((layer) => layer.type)).toContain('Reference');
    const feeds = { x: randomFloat([2, 6], 5) };
    const result = closeTo((await engine.createExecutionContext().run(feeds)).y!, (await reference(network, feeds)).y!, 1e-6, 1e-5);
    expect(result.ok, result.message).toBe(true);
  });
});
