// int8 engines of an NCHW CNN: the stem convolution (3 input channels) reads the fp32 NCHW image
// itself on qu8_conv_nchw (no input reformat) and writes uint8 for the qu8 conv after it, from a
// calibration (implicit int8) and from a Q/DQ model (explicit int8); results agree with the fp32
// engine and with onnxruntime-node (cosine), at batch 1 and 2, whichever path timing takes.
import { type Batch, MinMaxCalibrator, calibrate, quantizeModel } from '@kiln/calib';
import { kernels } from '@kiln/core-native';
import { type Tensor, load, save } from '@kiln/onnx-tools';
import { type LayerInfo, Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { cancelReformats } from '../src/internal/lower/cancel-reformats.js';
import { lowerGraph } from '../src/internal/lower/index.js';
import { revisitNchwConvs } from '../src/internal/lower/read-nchw.js';
import { sinkLayouts } from '../src/internal/lower/sink-layouts.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { cosine, randomFloat, runsVector } from './helpers.js';

const H = 21;
const W = 25;

/** image [N, 3, 21, 25] → conv 3x3 s2 pad 1 + Relu → conv 1x1 + Clip → conv 3x3 s2 + Relu → global average pool → logits. */
function stemNetwork(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', ['N', 3, H, W]);
  const stem = n.addActivation(n.addConvolution(x, { weights: randomFloat([24, 3, 3, 3], 41, 0.4), bias: randomFloat([24], 42, 0.1), strides: [2, 2], pads: [1, 1, 1, 1] }), 'Relu');
  const expand = n.addActivation(n.addConvolution(stem, { weights: randomFloat([40, 24, 1, 1], 43, 0.3), bias: randomFloat([40], 44, 0.1) }), 'Clip', { alpha: 0, beta: 6 });
  const down = n.addActivation(n.addConvolution(expand, { weights: randomFloat([32, 40, 3, 3], 45, 0.1), strides: [2, 2], pads: [1, 1, 1, 1] }), 'Relu');
  const pooled = n.addShuffle(n.addPooling(down, { type: 'globalAverage' }), { reshape: [0, -1] });
  n.markOutput(n.addMatrixMultiply(pooled, n.addConstant(randomFloat([32, 10], 46, 0.3))), 'logits');
  return n;
}

const batches = (count: number): Batch[] => Array.from({ length: count }, (_, i) => ({ image: randomFloat([1, 3, H, W], 500 + i) }));

function config(level: number, setup: (c: BuilderConfig) => void = () => {}): BuilderConfig {
  const c = new BuilderConfig();
  c.builderOptimizationLevel = level;
  c.verifyPasses = true;
  c.addOptimizationProfile({ image: { min: [1, 3, H, W], opt: [1, 3, H, W], max: [2, 3, H, W] } });
  setup(c);
  return c;
}


const inputReformats = (layers: LayerInfo[]) => layers.filter((layer) => layer.type === 'Reformat' && layer.inputs.some((input) => input.name === 'image'));
const stemOf = (layers: LayerInfo[]) => layers.find((layer) => layer.type === 'Convolution' && layer.outputs[0]!.dims.join() === 'N,11,13,24')!;

async function logits(plan: Uint8Array, image: Tensor): Promise<Float32Array> {
  const out = await new Runtime().deserializeEngine(plan).createExecutionContext().run({ image });
  return out.logits!.data as Float32Array;
}

/** Kiln `plan` against the fp32 plan and onnxruntime-node on `bytes`, at batch 1 and 2. */
async function expectAgrees(plan: Uint8Array, fp32: Uint8Array, bytes: Uint8Array, label: string): Promise<void> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  for (const batch of [1, 2]) {
    const image = randomFloat([batch, 3, H, W], 900 + batch);
    const mine = await logits(plan, image);
    const theirs = (await session.run({ image: new ort.Tensor('float32', image.data as Float32Array, image.dims) })).logits!.data as Float32Array;
    expect(cosine(mine, theirs), `${label} batch ${batch} vs onnxruntime-node`).toBeGreaterThan(0.99);
    expect(cosine(mine, await logits(fp32, image)), `${label} batch ${batch} vs Kiln fp32`).toBeGreaterThan(0.99);
  }
}

const vnni = runsVector('qu8_conv_nchw');

describe.skipIf(!vnni)('int8 stem reads the NCHW input (qu8_conv_nchw)', () => {
  it('implicit int8: no input reformat, uint8 stem output, agrees with fp32 and onnxruntime-node (level 0)', async () => {
    const network = stemNetwork();
    const lines: string[] = [];
    const plan = await buildSerializedNetwork(network, config(0, (c) => {
      c.int8 = true;
      c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: batches(4) };
      c.log = (line) => lines.push(line);
    }));
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toEqual([]);
    const stem = stemOf(layers);
    expect(stem.tactic).toMatch(/^qu8_conv_nchw_\w+__avx512vnni$/);
    expect(stem.inputs[0]).toMatchObject({ name: 'image', dtype: 'float32', dims: ['N', 3, H, W] });
    // The 1x1 conv after it runs in int8 and reads the stem's uint8 output.
    expect(stem.outputs[0]!.dtype).toBe('uint8');
    expect(lines.some((line) => /activation tensors stay int8 between layers/.test(line))).toBe(true);
    const fp32 = await buildSerializedNetwork(network, config(0));
    await expectAgrees(plan, fp32, save(network.model), 'int8');
  });

  it('an image-to-image head (few output channels after an NCHW Pad) takes the fp32 NCHW path or int8 NHWC by timing, and agrees', async () => {
    const n = new NetworkDefinition();
    const x = n.addInput('image', 'float32', ['N', 3, H, W]);
    const body = n.addActivation(n.addConvolution(x, { weights: randomFloat([12, 3, 3, 3], 61, 0.4), bias: randomFloat([12], 62, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
    const padded = n.layer('Pad', [body, n.addConstant({ type: 'int64', dims: [8], data: BigInt64Array.from([0, 0, 1, 1, 0, 0, 1, 1].map(BigInt)) })], { mode: { type: 'string', value: 'reflect' } });
    const head = n.addConvolution(padded, { weights: randomFloat([3, 12, 3, 3], 63, 0.3), bias: randomFloat([3], 64, 0.1) });
    n.markOutput(n.addShuffle(n.addPooling(head, { type: 'globalAverage' }), { reshape: [0, -1] }), 'logits');
    const fp32 = await buildSerializedNetwork(n, config(0));
    const fewOutputs = kernels().some((kernel) => kernel.name === 'f32_conv_nchw_32x4__avx512' && kernel.runnable);
    for (const level of [0, 1]) {
      const plan = await buildSerializedNetwork(n, config(level, (c) => {
        c.int8 = true;
        c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: batches(4) };
      }));
      const layers = new Runtime().deserializeEngine(plan).inspect().layers;
      const last = layers.filter((layer) => layer.type === 'Convolution').at(-1)!;
      if (level === 0 && fewOutputs) expect(last.tactic).toBe('f32_conv_nchw_32x4__avx512');
      await expectAgrees(plan, fp32, save(n.model), `int8 level ${level}`);
    }
  });

  it('explicit int8 (Q/DQ model): the stem reads NCHW and agrees with onnxruntime-node on the Q/DQ model', async () => {
    const model = await load(save(stemNetwork().model));
    const calibration = await calibrate(model, { calibrator: new MinMaxCalibrator(), loader: batches(4) });
    const bytes = save(await quantizeModel(model, calibration.scales));
    const plan = await buildSerializedNetwork(new NetworkDefinition(await load(bytes)), config(0));
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    expect(inputReformats(layers)).toEqual([]);
    expect(stemOf(layers).tactic).toMatch(/^qu8_conv_nchw_/);
    const fp32 = await buildSerializedNetwork(stemNetwork(), config(0));
    await expectAgrees(plan, fp32, bytes, 'int8 Q/DQ');
  });

  it('tactic timing (level 1) chooses between qu8_conv_nchw, f32_conv_nchw and the reformat + NHWC path; every choice agrees', async () => {
    const network = stemNetwork();
    const lines: string[] = [];
    const plan = await buildSerializedNetwork(network, config(1, (c) => {
      c.int8 = true;
      c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: batches(4) };
      c.log = (line) => lines.push(line);
    }));
    const layers = new Runtime().deserializeEngine(plan).inspect().layers;
    // The stem was timed on its NCHW candidates (both precisions), then against the NHWC path.
    const timed = lines.find((line) => line.startsWith('Tactic:') && line.includes('qu8_conv_nchw_'))!;
    expect(timed).toMatch(/f32_conv_nchw_/);
    const decision = lines.filter((line) => line.startsWith('Layout:'));
    expect(decision).toHaveLength(1);
    const stem = stemOf(layers);
    if (decision[0]!.includes('reads NCHW')) {
      expect(inputReformats(layers)).toEqual([]);
      expect(stem.tactic).toMatch(/^(qu8|f32)_conv_nchw_/);
    } else {
      expect(inputReformats(layers)).toHaveLength(1);
      expect(stem.tactic).toMatch(/^(qu8|f32)_conv_(?!nchw)/);
    }
    const fp32 = await buildSerializedNetwork(network, config(0));
    await expectAgrees(plan, fp32, save(network.model), 'int8 timed');
  });
});

describe.skipIf(!vnni)('an int8-capable stem between the NCHW and the NHWC path', () => {
  const NHWC_CANDIDATES = ['qu8_conv_im2col_14x32c4__avx512vnni', 'f32_conv_im2col_14x32__avx512'];

  /** The lowered layers with the stem made int8-capable (as precisionOf does) before the reformats cancel. */
  async function lowered(residual = false, candidates = NHWC_CANDIDATES): Promise<LoweredLayer[]> {
    const context = new PassContext(await load(save(stemNetwork().model)), { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 1, reducedPrecision: true });
    await runPipeline(context);
    const layers = sinkLayouts(lowerGraph(context.model, context));
    const stem = layers.find((layer) => layer.type === 'Convolution')!;
    Object.assign(stem, { candidates: [...candidates], inputGrid: { scale: 0.02, zeroPoint: 128 } });
    if (residual) stem.params = [...stem.params!.slice(0, 12), 1];
    return cancelReformats(layers, new Set(context.model.graph.outputs));
  }

  it('reads NCHW on qu8_conv_nchw and f32_conv_nchw candidates, and the NHWC path gets its own candidates back', async () => {
    const layers = await lowered();
    const stem = layers.find((layer) => layer.family === 'qu8_conv_nchw')!;
    expect(stem.inputs[0]!.name).toBe('image');
    expect(stem.candidates!.filter((tactic) => tactic.startsWith('qu8_conv_nchw_'))).toEqual(['qu8_conv_nchw_6x64__avx512vnni', 'qu8_conv_nchw_14x32__avx512vnni']);
    expect(stem.candidates!.some((tactic) => tactic.startsWith('f32_conv_nchw_'))).toBe(true);
    expect(layers.some((layer) => layer.type === 'Reformat' && layer.inputs[0]!.name === 'image')).toBe(false);
    Object.assign(stem, { tactic: 'qu8_conv_nchw_6x64__avx512vnni', timings: { qu8_conv_nchw_6x64__avx512vnni: 0.5 } });
    const selected: LoweredLayer[] = [];
    const lines: string[] = [];
    revisitNchwConvs(layers, (some) => {
      for (const layer of some) {
        selected.push(layer);
        const tactic = layer.candidates?.[0] ?? `${layer.family}__fake`;
        Object.assign(layer, { tactic, timings: { [tactic]: layer.type === 'Reformat' ? 0.1 : 0.3 } });
      }
    }, (line) => lines.push(line));
    const conv = selected.find((layer) => layer.type === 'Convolution')!;
    expect(conv.family).toBe('f32_conv');
    expect(conv.candidates).toEqual(NHWC_CANDIDATES);
    expect(layers.some((layer) => layer.family === 'qu8_conv_nchw')).toBe(false);
    expect(lines).toEqual([expect.stringMatching(/reads NHWC \(qu8_conv_im2col_14x32c4__avx512vnni 0\.3000 ms \+ reformat 0\.1000 ms < qu8_conv_nchw_6x64__avx512vnni 0\.5000 ms\)/)]);
  });

  it('an explicit int8 stem (Q/DQ: int8 candidates only) gets no fp32 NCHW candidates', async () => {
    const layers = await lowered(false, ['qu8_conv_im2col_14x32c4__avx512vnni']);
    const stem = layers.find((layer) => layer.family === 'qu8_conv_nchw')!;
    expect(stem.candidates).toEqual(['qu8_conv_nchw_6x64__avx512vnni', 'qu8_conv_nchw_14x32__avx512vnni']);
  });

  it('keeps a stem with a residual on the NHWC path (qu8_conv_nchw takes none)', async () => {
    const layers = await lowered(true);
    const stem = layers.find((layer) => layer.type === 'Convolution')!;
    expect(stem.family).toBe('f32_conv');
    expect(stem.candidates).toEqual(NHWC_CANDIDATES);
    expect(layers.some((layer) => layer.type === 'Reformat' && layer.inputs[0]!.name === 'image')).toBe(true);
  });
});
