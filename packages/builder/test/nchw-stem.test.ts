// A convolution with few input channels reads the NCHW graph input itself (f32_conv_nchw): no
// input reformat in the plan, the input stays NCHW for its other readers, and results match
// onnxruntime-node and the reference evaluator whichever path the build takes.
import * as ort from 'onnxruntime-node';
import { type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { type LayerInfo, Runtime } from '@kiln/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kernels } from '@kiln/core-native';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { cancelReformats } from '../src/internal/lower/cancel-reformats.js';
import { lowerGraph } from '../src/internal/lower/index.js';
import { revisitNchwConvs } from '../src/internal/lower/read-nchw.js';
import { sinkLayouts } from '../src/internal/lower/sink-layouts.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { closeTo, randomFloat } from './helpers.js';

interface Options {
  /** Input channels of the image (the stem reads NCHW only up to 4). */
  channels?: number;
  /** Also read the image with a depthwise convolution (an NHWC reader that keeps the reformat). */
  depthwiseBranch?: boolean;
}

/** image [N, C, 19, 23] → conv 3x3 s2 pad 1 + bias + Relu → max pool → conv 1x1 + Clip; global pooling of the image as a second output. */
function stemNetwork({ channels = 3, depthwiseBranch = false }: Options = {}): NetworkDefinition {
  const network = new NetworkDefinition();
  const x = network.addInput('image', 'float32', ['N', channels, 19, 23]);
  const conv = network.addConvolution(x, { weights: randomFloat([20, channels, 3, 3], 31, 0.5), bias: randomFloat([20], 32, 0.5), strides: [2, 2], pads: [1, 1, 1, 1] });
  const pooled = network.addPooling(network.addActivation(conv, 'Relu'), { type: 'max', kernel: [3, 3], strides: [2, 2] });
  const head = network.addConvolution(pooled, { weights: randomFloat([12, 20, 1, 1], 33, 0.5) });
  network.markOutput(network.addActivation(head, 'Clip', { alpha: 0, beta: 6 }), 'features');
  network.markOutput(network.addPooling(x, { type: 'globalAverage' }), 'mean');
  if (depthwiseBranch) {
    const dw = network.addConvolution(x, { weights: randomFloat([channels, 1, 3, 3], 34, 0.5), group: channels, pads: [1, 1, 1, 1] });
    network.markOutput(network.addPooling(dw, { type: 'globalAverage' }), 'depthwise');
  }
  return network;
}

async function build(network: NetworkDefinition, level: number): Promise<Uint8Array> {
  const config = new BuilderConfig();
  config.verifyPasses = true;
  config.builderOptimizationLevel = level;
  const channels = network.model.graph.inputs[0]!.shape![1] as number;
  config.addOptimizationProfile({ image: { min: [1, channels, 19, 23], opt: [1, channels, 19, 23], max: [2, channels, 19, 23] } });
  return buildSerializedNetwork(network, config);
}

/** Layers that read the graph input `image` through a Reformat. */
const inputReformats = (layers: LayerInfo[]) => layers.filter((layer) => layer.type === 'Reformat' && layer.inputs.some((input) => input.name === 'image'));

async function expectMatches(network: NetworkDefinition, plan: Uint8Array): Promise<void> {
  const context = new Runtime().deserializeEngine(plan).createExecutionContext();
  const bytes = save(network.model);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const channels = network.model.graph.inputs[0]!.shape![1] as number;
  for (const batch of [1, 2]) {
    const image = randomFloat([batch, channels, 19, 23], 300 + batch);
    const mine = await context.run({ image });
    const theirs = await session.run({ image: new ort.Tensor('float32', image.data as Float32Array, image.dims) });
    const reference = await evaluate(await load(bytes), { image });
    for (const [name, value] of Object.entries(theirs)) {
      const expected: Tensor = { type: 'float32', dims: [...value.dims], data: value.data as Float32Array };
      const byOrt = closeTo(mine[name]!, expected, 1e-5, 1e-4);
      expect(byOrt.ok, `${name} batch ${batch} vs onnxruntime: ${byOrt.message}`).toBe(true);
      const byReference = closeTo(mine[name]!, reference[name]!, 1e-5, 1e-4);
      expect(byReference.ok, `${name} batch ${batch} vs reference: ${byReference.message}`).toBe(true);
    }
  }
}

describe('stem convolution reads the NCHW input', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('has no input reformat and matches onnxruntime-node (level 0: the heuristic takes the NCHW path)', async () => {
    const network = stemNetwork();
    const plan = await build(network, 0);
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toEqual([]);
    const stem = layers.find((layer) => layer.type === 'Convolution' && layer.inputs[0]!.name === 'image')!;
    expect(stem.tactic).toMatch(/^f32_conv_nchw_/);
    expect(stem.inputs[0]!.dims).toEqual(['N', 3, 19, 23]);
    expect(stem.outputs[0]!.dims).toEqual(['N', 10, 12, 20]);
    // The global pooling still reads the NCHW image; the head stays NHWC after the pool.
    expect(layers.filter((layer) => layer.type === 'Reformat')).toHaveLength(1);
    await expectMatches(network, plan);
  });

  it('lets tactic timing choose the path (level 1) and matches onnxruntime-node either way', async () => {
    const network = stemNetwork();
    const lines: string[] = [];
    const config = new BuilderConfig();
    config.builderOptimizationLevel = 1;
    config.log = (line) => lines.push(line);
    config.addOptimizationProfile({ image: { min: [1, 3, 19, 23], opt: [1, 3, 19, 23], max: [2, 3, 19, 23] } });
    const plan = await buildSerializedNetwork(network, config);
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    const decision = lines.filter((line) => line.startsWith('Layout:'));
    expect(decision).toHaveLength(1);
    // Either path writes the stem's output NHWC.
    const stem = layers.find((layer) => layer.type === 'Convolution' && layer.outputs[0]!.dims.join() === 'N,10,12,20')!;
    if (decision[0]!.includes('reads NCHW')) {
      expect(inputReformats(layers)).toEqual([]);
      expect(stem.tactic).toMatch(/^f32_conv_nchw_/);
    } else {
      expect(inputReformats(layers)).toHaveLength(1);
      expect(stem.tactic).toMatch(/^f32_conv_(?!nchw)/);
    }
    await expectMatches(network, plan);
  });

  it('keeps the reformat for another NHWC reader of the input, and the stem still reads NCHW', async () => {
    const network = stemNetwork({ depthwiseBranch: true });
    const plan = await build(network, 0);
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toHaveLength(1);
    const readers = layers.filter((layer) => layer.type === 'Convolution' && layer.inputs[0]!.name === 'image');
    expect(readers.map((layer) => layer.tactic)).toEqual([expect.stringMatching(/^f32_conv_nchw_/)]);
    await expectMatches(network, plan);
  });

  it('leaves convolutions with more than 4 input channels on the NHWC path', async () => {
    const network = stemNetwork({ channels: 5 });
    const plan = await build(network, 0);
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toHaveLength(1);
    expect(layers.some((layer) => layer.tactic.startsWith('f32_conv_nchw'))).toBe(false);
    await expectMatches(network, plan);
  });

  it('reads NCHW in a convolution with many input but few output channels (an image-to-image head)', async () => {
    for (const outputs of [1, 3]) {
      const network = new NetworkDefinition();
      const x = network.addInput('image', 'float32', ['N', 6, 19, 23]);
      const conv = network.addConvolution(x, { weights: randomFloat([outputs, 6, 5, 5], 41, 0.4), bias: randomFloat([outputs], 42), pads: [2, 2, 2, 2] });
      network.markOutput(network.addActivation(conv, 'Tanh'), 'features');
      for (const level of [0, 3]) {
        const plan = await build(network, level);
        const layers = new Runtime().deserializeEngine(plan).inspect().layers;
        const head = layers.find((layer) => layer.type === 'Convolution')!;
        const vector = kernels().some((kernel) => kernel.name === 'f32_conv_nchw_32x4__avx512' && kernel.runnable);
        // Level 0 takes the NCHW path; timing (level 3) may go back to the NHWC one.
        // Without the vector variant the NHWC path stays (the scalar reference would be slow).
        if (level === 0) expect(head.tactic.startsWith('f32_conv_nchw_32x4__')).toBe(vector);
        await expectMatches(network, plan);
      }
    }
  });

  it('KILN_DISABLE_PASSES=read-nchw-inputs restores the input reformat with the same results', async () => {
    vi.stubEnv('KILN_DISABLE_PASSES', 'read-nchw-inputs');
    const network = stemNetwork();
    const plan = await build(network, 0);
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toHaveLength(1);
    expect(layers.some((layer) => layer.tactic.startsWith('f32_conv_nchw'))).toBe(false);
    await expectMatches(network, plan);
  });
});

/** The lowered layers of a network, as the builder has them before tactic selection. */
async function lowered(network: NetworkDefinition): Promise<LoweredLayer[]> {
  const context = new PassContext(await load(save(network.model)), { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 1, reducedPrecision: false });
  await runPipeline(context);
  return cancelReformats(sinkLayouts(lowerGraph(context.model, context)), new Set(context.model.graph.outputs));
}

describe('tactic timing decides between the NCHW and the NHWC path', () => {
  /** A selection that gives every layer one tactic and the time `ms(layer)`. */
  const fakeSelect = (ms: (layer: LoweredLayer) => number) => (some: LoweredLayer[]) => {
    for (const layer of some) Object.assign(layer, { tactic: `${layer.family}__fake`, timings: { [`${layer.family}__fake`]: ms(layer) } });
  };

  it('goes back to a reformat and an NHWC conv when they are faster together', async () => {
    const layers = await lowered(stemNetwork());
    const stem = layers.find((layer) => layer.family === 'f32_conv_nchw')!;
    Object.assign(stem, { tactic: 'f32_conv_nchw_6x64__avx512', timings: { f32_conv_nchw_6x64__avx512: 0.5 } });
    const lines: string[] = [];
    revisitNchwConvs(layers, fakeSelect((layer) => (layer.type === 'Reformat' ? 0.1 : 0.3)), (line) => lines.push(line));
    expect(layers.some((layer) => layer.family === 'f32_conv_nchw')).toBe(false);
    const at = layers.findIndex((layer) => layer.type === 'Reformat' && layer.inputs[0]!.name === 'image');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(layers[at + 1]!.family).toBe('f32_conv');
    expect(layers[at + 1]!.inputs[0]).toBe(layers[at]!.outputs[0]);
    expect(lines).toEqual([expect.stringMatching(/reads NHWC .*< f32_conv_nchw_6x64__avx512 0\.5000 ms/)]);
  });

  it('keeps the NCHW path when it is faster, or when nothing was timed (level 0)', async () => {
    const layers = await lowered(stemNetwork());
    const before = layers.map((layer) => layer.name);
    const stem = layers.find((layer) => layer.family === 'f32_conv_nchw')!;
    revisitNchwConvs(layers, () => expect.unreachable('level 0 times nothing'), () => {});
    Object.assign(stem, { tactic: 'f32_conv_nchw_6x64__avx512', timings: { f32_conv_nchw_6x64__avx512: 0.35 } });
    const lines: string[] = [];
    revisitNchwConvs(layers, fakeSelect((layer) => (layer.type === 'Reformat' ? 0.1 : 0.3)), (line) => lines.push(line));
    expect(layers.map((layer) => layer.name)).toEqual(before);
    expect(stem.family).toBe('f32_conv_nchw');
    expect(lines).toEqual([expect.stringMatching(/reads NCHW \(f32_conv_nchw_6x64__avx512 0\.3500 ms; NHWC path 0\.4000 ms\)/)]);
  });
});
