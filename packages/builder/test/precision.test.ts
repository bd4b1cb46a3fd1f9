// Builder precision: fp16/bf16/int8 flags (tactics timed alongside fp32, or picked by heuristic at
// level 0), per-layer constraints, implicit int8 from a calibrator and its cache, explicit int8
// from Q/DQ nodes (compared with onnxruntime-node on the same Q/DQ model), and the coded errors.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Batch, MinMaxCalibrator, quantizeModel } from '@kiln/calib';
import { KilnError } from '@kiln/common';
import { type Model, type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { cosine, ortInt8Exact, randomFloat, runsVector } from './helpers.js';

/** Conv stack with a residual, depthwise conv, pooling and a classifier GEMM. */
function network(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 16, 12, 12]);
  const c1 = n.addActivation(n.addConvolution(x, { weights: randomFloat([32, 16, 3, 3], 21, 0.2), bias: randomFloat([32], 22, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
  const c2 = n.addConvolution(c1, { weights: randomFloat([32, 32, 1, 1], 23, 0.3) });
  const sum = n.addActivation(n.addElementwise(c2, c1, 'Add'), 'Relu');
  const dw = n.addActivation(n.addConvolution(sum, { weights: randomFloat([32, 1, 3, 3], 24, 0.5), group: 32, pads: [1, 1, 1, 1] }), 'Relu');
  const c3 = n.addActivation(n.addConvolution(dw, { weights: randomFloat([48, 32, 3, 3], 25, 0.1), strides: [2, 2], pads: [1, 1, 1, 1] }), 'Relu');
  const pooled = n.addShuffle(n.addPooling(c3, { type: 'globalAverage' }), { reshape: [0, -1] });
  n.markOutput(n.addMatrixMultiply(pooled, n.addConstant(randomFloat([48, 10], 26, 0.3))), 'logits');
  return n;
}

const batches = (count: number, seed = 100): Batch[] => Array.from({ length: count }, (_, i) => ({ image: randomFloat([1, 16, 12, 12], seed + i) }));

async function run(plan: Uint8Array, feeds: Record<string, Tensor>): Promise<{ logits: Float32Array; tactics: string[]; layers: { name: string; tactic: string }[] }> {
  const engine = new Runtime().deserializeEngine(plan);
  const out = await engine.createExecutionContext().run(feeds);
  const layers = engine.inspect().layers.map((layer) => ({ name: layer.name, tactic: layer.tactic }));
  return { logits: out.logits!.data as Float32Array, tactics: layers.map((layer) => layer.tactic), layers };
}


async function reference(model: Model, feeds: Record<string, Tensor>): Promise<Float32Array> {
  return (await evaluate(model, feeds)).logits!.data as Float32Array;
}

function config(setup: (c: BuilderConfig) => void): BuilderConfig {
  const c = new BuilderConfig();
  c.builderOptimizationLevel = 0;
  setup(c);
  return c;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toSatisfy((error) => KilnError.isInstance(error) && (error as KilnError).code === code);
}

const feeds = { image: randomFloat([1, 16, 12, 12], 7) };

// Without a vector kernel of a family a flag falls back to fp32 there and `obey` fails: the tests check that instead.
const runs = { bf16: runsVector('bf16_conv'), fp16: runsVector('f16_conv'), int8: runsVector('qu8_conv'), int8Depthwise: runsVector('qu8_dwconv') };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-precision-'));

describe('reduced-precision flags', () => {
  for (const [flag, prefix] of [['bf16', 'bf16_'], ['fp16', 'f16_']] as const) {
    it(`${flag}: heuristic picks ${prefix} GEMM/conv tactics (depthwise fp32, or bf16_dwconv between bf16 layers) and stays close to fp32`, async () => {
      const { logits, tactics } = await run(await buildSerializedNetwork(network(), config((c) => { c[flag] = true; })), feeds);
      expect(tactics.filter((t) => t.startsWith(prefix) && !t.startsWith('bf16_dwconv')).length).toBe(runs[flag] ? 4 : 0);
      expect(tactics.some((t) => t.startsWith(flag === 'bf16' ? 'bf16_dwconv' : 'f32_dwconv') || t.startsWith('f32_dwconv'))).toBe(true);
      if (!runs[flag]) expect(tactics.every((t) => !/^(bf16|f16|qu8)_/.test(t))).toBe(true);
      const want = await reference(await load(save(network().model)), feeds);
      expect(cosine(logits, want)).toBeGreaterThan(0.999);
    });
  }

  it('timing (level 3) keeps the fastest tactic per layer over fp32 and bf16', async () => {
    const lines: string[] = [];
    const plan = await buildSerializedNetwork(network(), (() => { const c = new BuilderConfig(); c.bf16 = true; c.log = (line) => lines.push(line); return c; })());
    const timed = lines.filter((line) => line.startsWith('Tactic:') && line.includes('timed'));
    expect(timed.length).toBeGreaterThan(0);
    expect(timed.some((line) => line.includes('bf16_') && line.includes('f32_'))).toBe(runs.bf16);
    const { logits } = await run(plan, feeds);
    expect(cosine(logits, await reference(await load(save(network().model)), feeds))).toBeGreaterThan(0.999);
  });

  it('the plan records the CPU features its reduced-precision tactics need', async () => {
    const plan = await buildSerializedNetwork(network(), config((c) => { c.bf16 = true; }));
    const { target, layers } = new Runtime().deserializeEngine(plan).inspect();
    const isas = new Set(layers.map((layer) => layer.tactic.split('__')[1]));
    if (isas.has('amx')) expect(target.features).toEqual(expect.arrayContaining(['amxTile', 'amxBf16', 'amxInt8', 'avx512bf16']));
    else if (isas.has('avx512bf16')) {
      // bf16 needs AVX512-BF16, not AVX512-FP16: a Zen 4 CPU (BF16 without FP16) loads the plan.
      expect(target.features).toEqual(expect.arrayContaining(['avx512bf16', 'avx512vnni']));
      expect(target.features).not.toContain('avx512fp16');
    }
    expect(target.isa).toBe(isas.has('amx') ? 'amx' : isas.has('avx512bf16') ? 'avx512bf16' : target.isa);
  });

  it('stronglyTyped with a precision flag is ERR_ARGUMENT', async () => {
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.stronglyTyped = true; c.fp16 = true; })), 'ERR_ARGUMENT');
  });
});

describe('per-layer precision constraints', () => {
  it('obey: the named layer runs in its precision, the others in fp32', async () => {
    const { layers } = await run(await buildSerializedNetwork(network(), config(() => {})), feeds);
    const conv = layers.find((layer) => /^f32_conv_(1x1|im2col)/.test(layer.tactic))!;
    const obey = () => buildSerializedNetwork(network(), config((c) => {
      c.precisionConstraints = 'obey';
      c.layerPrecisions = { [conv.name]: 'fp16' };
    }));
    // Without an fp16 kernel here, obey cannot be met: a coded error, never a silent fp32 layer.
    if (!runs.fp16) return expectCode(obey(), 'ERR_PRECISION');
    const { layers: constrained } = await run(await obey(), feeds);
    expect(constrained.find((layer) => layer.name === conv.name)!.tactic).toMatch(/^f16_conv_/);
    expect(constrained.filter((layer) => /^(f16|bf16|qu8)_/.test(layer.tactic)).length).toBe(1);
  });

  it('none ignores layerPrecisions; obey with an unknown layer or an int8 layer without a scale fails', async () => {
    const { tactics } = await run(await buildSerializedNetwork(network(), config((c) => { c.layerPrecisions = { anything: 'bf16' }; })), feeds);
    expect(tactics.some((t) => t.startsWith('bf16_'))).toBe(false);
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.precisionConstraints = 'obey'; c.layerPrecisions = { 'no such layer': 'fp16' }; })), 'ERR_ARGUMENT');
    const { layers } = await run(await buildSerializedNetwork(network(), config(() => {})), feeds);
    const conv = layers.find((layer) => layer.tactic.startsWith('f32_conv'))!;
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.precisionConstraints = 'obey'; c.layerPrecisions = { [conv.name]: 'int8' }; })), 'ERR_PRECISION');
  });
});

describe('implicit int8 (calibration)', () => {
  it('calibrates, writes the cache, reuses it, and runs qu8 tactics close to fp32', async () => {
    const cacheFile = path.join(tmp, 'net.calib');
    const lines: string[] = [];
    const build = () => buildSerializedNetwork(network(), config((c) => {
      c.int8 = true;
      c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: batches(4), cacheFile };
      c.log = (line) => lines.push(line);
    }));
    const { logits, tactics } = await run(await build(), feeds);
    expect(fs.existsSync(cacheFile)).toBe(true);
    expect(tactics.filter((t) => /^qu8_(conv|gemm)/.test(t)).length).toBe(runs.int8 ? 4 : 0);
    // int8 between the convs: c1 → c2 (input and residual), c2 → depthwise (qu8_dwconv) → c3;
    // without a vector int8 depthwise (no VNNI) the depthwise stays fp32.
    expect(tactics.filter((t) => t.startsWith('qu8_dwconv')).length).toBe(runs.int8Depthwise ? 1 : 0);
    if (runs.int8Depthwise) expect(lines.some((line) => /3 activation tensors stay int8 between layers; 1 depthwise/.test(line))).toBe(true);
    expect(cosine(logits, await reference(await load(save(network().model)), feeds))).toBeGreaterThan(0.99);
    await build();
    expect(lines.some((line) => line.includes(`reused ${cacheFile}`))).toBe(true);
    // The cache alone (no data) is enough now.
    const fromCache = await run(await buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { cacheFile }; })), feeds);
    expect(fromCache.logits).toEqual(logits);
  });

  it('recalibrates over an incompatible cache when it has data; fails with coded errors otherwise', async () => {
    const cacheFile = path.join(tmp, 'other.calib');
    fs.writeFileSync(cacheFile, 'TRT-Kiln1-MinMaxCalibration\nsomething_else: 3c000000\n');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { cacheFile }; })), 'ERR_CALIB_CACHE');
    const { tactics } = await run(await buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: batches(2), cacheFile }; })), feeds);
    expect(tactics.some((t) => t.startsWith('qu8_'))).toBe(runs.int8);
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { cacheFile: path.join(tmp, 'missing.calib') }; })), 'ERR_CALIB_CACHE');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: [] }; })), 'ERR_CALIB_EMPTY');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: [{ pixels: randomFloat([1, 16, 12, 12], 1) }] }; })), 'ERR_CALIB_INPUT');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: [{ image: randomFloat([1, 3, 12, 12], 1) }] }; })), 'ERR_CALIB_INPUT');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { calibrator: new MinMaxCalibrator(), loader: [{ image: { type: 'int32', dims: [1, 16, 12, 12], data: new Int32Array(2304) } }] }; })), 'ERR_CALIB_INPUT');
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = {}; })), 'ERR_ARGUMENT');
    // A cache from another producer/version (TensorRT's own header) is not reused without data.
    const foreign = path.join(tmp, 'trt.calib');
    fs.writeFileSync(foreign, fs.readFileSync(path.join(tmp, 'net.calib'), 'utf8').replace(/^TRT-[^-]+-/, 'TRT-8601-'));
    await expectCode(buildSerializedNetwork(network(), config((c) => { c.int8 = true; c.int8Calibration = { cacheFile: foreign, calibrator: new MinMaxCalibrator() }; })), 'ERR_CALIB_CACHE');
  });
});

describe('explicit int8 (Q/DQ model)', () => {
  it('folds Q/DQ into qu8 layers and matches onnxruntime-node on the same Q/DQ model', async () => {
    const model = await load(save(network().model));
    const calibration = await (await import('@kiln/calib')).calibrate(model, { calibrator: new MinMaxCalibrator(), loader: batches(4) });
    const qdq = await quantizeModel(model, calibration.scales);
    const bytes = save(qdq);
    const lines: string[] = [];
    const { logits, tactics } = await run(await buildSerializedNetwork(new NetworkDefinition(await load(bytes)), config((c) => { c.log = (line) => lines.push(line); })), feeds);
    // Q/DQ folds into every layer; a layer without a vector int8 kernel here runs dequantized in fp32.
    expect(tactics.filter((t) => /^qu8_(conv|gemm)/.test(t)).length).toBe(runs.int8 ? 4 : 0);
    expect(tactics.filter((t) => t.startsWith('qu8_dwconv')).length).toBe(runs.int8Depthwise ? 1 : 0);
    expect(lines.filter((line) => line.startsWith('Quantized:') && !line.includes('(depthwise)')).length).toBe(4);
    expect(lines.filter((line) => line.startsWith('Quantized:') && line.includes('(depthwise)')).length).toBe(1);
    // The Q/DQ model's own semantics (Kiln's reference evaluator), and onnxruntime where its int8 GEMM is exact.
    expect(cosine(logits, await reference(await load(bytes), feeds))).toBeGreaterThan(0.995);
    if (ortInt8Exact()) {
      const session = await ort.InferenceSession.create(bytes);
      const theirs = await session.run({ image: new ort.Tensor('float32', feeds.image.data as Float32Array, feeds.image.dims) });
      expect(cosine(logits, theirs.logits!.data as Float32Array)).toBeGreaterThan(0.99);
    }
    expect(cosine(logits, await reference(model, feeds))).toBeGreaterThan(0.99);
  });
});
