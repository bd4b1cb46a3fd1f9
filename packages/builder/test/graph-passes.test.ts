import { type Model, type Tensor, evaluate, inferShapes, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { closeTo, randomFloat } from './helpers.js';

async function optimizedOps(network: NetworkDefinition): Promise<string[]> {
  const model: Model = await load(save(network.model));
  inferShapes(model);
  const context = new PassContext(model, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3 });
  await runPipeline(context);
  return context.model.graph.nodes.map((node) => node.op);
}

async function buildAndCompare(network: NetworkDefinition, feeds: Record<string, Tensor>) {
  const config = new BuilderConfig();
  config.verifyPasses = true;
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
  const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(await load(save(network.model)), feeds)];
  for (const name of Object.keys(theirs)) {
    const result = closeTo(mine[name]!, theirs[name]!, 1e-6, 1e-5);
    expect(result.ok, result.message).toBe(true);
  }
  return engine;
}

describe('Reshape/Transpose folding', () => {
  it('composes transposes, drops identities and merges reshapes', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [2, 3, 4]);
    const t1 = network.addShuffle(x, { firstTranspose: [0, 2, 1] });
    const t2 = network.addShuffle(t1, { firstTranspose: [2, 1, 0] }); // composed: [1, 2, 0]
    const r1 = network.addShuffle(t2, { reshape: [12, 2] });
    const r2 = network.addShuffle(r1, { reshape: [4, 6] });
    const same = network.addShuffle(r2, { reshape: [4, 6] });
    network.markOutput(network.addActivation(same, 'Relu'), 'y');
    const ops = await optimizedOps(network);
    expect(ops.filter((op) => op === 'Transpose')).toHaveLength(1);
    expect(ops.filter((op) => op === 'Reshape')).toHaveLength(1);
    await buildAndCompare(network, { x: randomFloat([2, 3, 4], 41) });
  });

  it('keeps a Reshape whose shape has a 0 (it copies a dim of the tensor before it)', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [2, 3, 4]);
    const r1 = network.addShuffle(x, { reshape: [3, 2, 4] });
    network.markOutput(network.addActivation(network.addShuffle(r1, { reshape: [0, 8] }), 'Relu'), 'y');
    expect((await optimizedOps(network)).filter((op) => op === 'Reshape')).toHaveLength(2);
    await buildAndCompare(network, { x: randomFloat([2, 3, 4], 42) });
  });
});

describe('pointwise-chain fusion', () => {
  it('runs a chain of unary activations as one layer', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [3, 37]);
    const chain = network.addActivation(network.addActivation(network.addActivation(x, 'Sigmoid'), 'Tanh'), 'LeakyRelu', { alpha: 0.1 });
    network.markOutput(chain, 'y');
    const engine = await buildAndCompare(network, { x: randomFloat([3, 37], 43, 3) });
    const layers = engine.inspect().layers;
    expect(layers).toHaveLength(1);
    expect(layers[0]!.sources).toHaveLength(3);
  });

  it('keeps an intermediate that is also a graph output', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [5]);
    const first = network.addActivation(x, 'Sigmoid');
    network.markOutput(first, 'a');
    network.markOutput(network.addActivation(first, 'Tanh'), 'b');
    const engine = await buildAndCompare(network, { x: randomFloat([5], 44) });
    expect(engine.inspect().layers).toHaveLength(2);
  });
});

describe('LayerNorm pattern fusion', () => {
  function decomposedLayerNorm(withAffine: boolean, squareWithMul: boolean): NetworkDefinition {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', 5, 24]);
    const ints = (values: number[]) => ({ type: 'ints' as const, value: values });
    const mean = network.layer('ReduceMean', [x], { axes: ints([-1]), keepdims: { type: 'int', value: 1 } });
    const d = network.addElementwise(x, mean, 'Sub');
    const square = squareWithMul ? network.addElementwise(d, d, 'Mul') : network.layer('Pow', [d, network.addConstant({ type: 'float32', dims: [], data: new Float32Array([2]) })], {});
    const variance = network.layer('ReduceMean', [square], { axes: ints([2]), keepdims: { type: 'int', value: 1 } });
    const eps = network.addConstant({ type: 'float32', dims: [], data: new Float32Array([1e-5]) });
    let y = network.addElementwise(d, network.layer('Sqrt', [network.addElementwise(variance, eps, 'Add')], {}), 'Div');
    if (withAffine) {
      y = network.addElementwise(y, network.addConstant(randomFloat([24], 51)), 'Mul');
      y = network.addElementwise(network.addConstant(randomFloat([24], 52)), y, 'Add');
    }
    network.markOutput(y, 'y');
    return network;
  }

  it.each([
    [true, false],
    [false, true],
  ])('fuses mean/sub/square/mean/add/sqrt/div (affine %s, d·d %s) into one layer', async (withAffine, squareWithMul) => {
    const network = decomposedLayerNorm(withAffine, squareWithMul);
    expect(await optimizedOps(network)).toEqual(['LayerNorm']);
    const engine = await buildAndCompare(network, { x: randomFloat([1, 5, 24], 53, 2) });
    expect(engine.inspect().layers.map((layer) => layer.type)).toEqual(['Normalization']);
  });
});
