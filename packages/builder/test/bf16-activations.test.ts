// bf16 activations between bf16 layers (keepBf16Activations): a small CNN built with bf16 keeps
// bfloat16 tensors between its bf16 convs, depthwise conv and concat, fp32 at the engine output
// and around fp32 layers, agrees with fp32 (cosine) and onnxruntime-node, and per-layer fp32
// constraints keep a layer's tensors fp32.
import { kernels } from '@kiln/core-native';
import { type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { type LayerInfo, Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { cosine, randomFloat, runsVector } from './helpers.js';

/** conv → conv (+ residual) → depthwise → fire-style squeeze / expand 1x1 + 3x3 / concat → conv → pooled classifier. */
function network(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 16, 13, 11]);
  const c1 = n.addActivation(n.addConvolution(x, { weights: randomFloat([32, 16, 3, 3], 31, 0.2), bias: randomFloat([32], 32, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
  const c2 = n.addConvolution(c1, { weights: randomFloat([32, 32, 1, 1], 33, 0.3) });
  const sum = n.addActivation(n.addElementwise(c2, c1, 'Add'), 'Relu');
  const dw = n.addActivation(n.addConvolution(sum, { weights: randomFloat([32, 1, 3, 3], 34, 0.5), group: 32, pads: [1, 1, 1, 1] }), 'Clip', { alpha: 0, beta: 6 });
  const squeeze = n.addActivation(n.addConvolution(dw, { weights: randomFloat([24, 32, 1, 1], 35, 0.3) }), 'Relu');
  const e1 = n.addActivation(n.addConvolution(squeeze, { weights: randomFloat([40, 24, 1, 1], 36, 0.3) }), 'Relu');
  const e3 = n.addActivation(n.addConvolution(squeeze, { weights: randomFloat([40, 24, 3, 3], 37, 0.1), pads: [1, 1, 1, 1] }), 'Relu');
  const fire = n.addConcatenation([e1, e3], 1);
  const c3 = n.addActivation(n.addConvolution(fire, { weights: randomFloat([48, 80, 3, 3], 38, 0.05), strides: [2, 2], pads: [1, 1, 1, 1] }), 'Relu');
  const pooled = n.addShuffle(n.addPooling(c3, { type: 'globalAverage' }), { reshape: [0, -1] });
  n.markOutput(n.addMatrixMultiply(pooled, n.addConstant(randomFloat([48, 10], 39, 0.3))), 'logits');
  return n;
}

const feeds = { image: randomFloat([1, 16, 13, 11], 9) };
const amx = kernels().some((kernel) => kernel.name === 'bf16_conv_1x1_32x32__amx' && kernel.runnable);
const dwRunnable = kernels().some((kernel) => kernel.name === 'bf16_dwconv_3x3__avx512' && kernel.runnable);
const bf16Runs = runsVector('bf16_conv');

function config(setup: (c: BuilderConfig) => void = () => {}): BuilderConfig {
  const c = new BuilderConfig();
  c.builderOptimizationLevel = 0;
  setup(c);
  return c;
}

/**
 * Builds without inverted-residual fusion: this file checks the bf16 tensors between separate
 * layers (the depthwise conv and the squeeze conv after it would fuse into one bf16_mbconv layer;
 * bf16-inverted-residual.test.ts covers that fusion).
 */
async function build(c: BuilderConfig): Promise<{ logits: Float32Array; layers: LayerInfo[]; lines: string[] }> {
  const lines: string[] = [];
  c.log = (line) => lines.push(line);
  const before = process.env.KILN_DISABLE_PASSES;
  process.env.KILN_DISABLE_PASSES = [before, 'fuse-inverted-residual'].filter(Boolean).join(',');
  let plan: Uint8Array;
  try {
    plan = await buildSerializedNetwork(network(), c);
  } finally {
    if (before === undefined) delete process.env.KILN_DISABLE_PASSES;
    else process.env.KILN_DISABLE_PASSES = before;
  }
  const engine = new Runtime().deserializeEngine(plan);
  const out = await engine.createExecutionContext().run(feeds);
  return { logits: out.logits!.data as Float32Array, layers: engine.inspect().layers, lines };
}


const bf16Tensors = (layers: LayerInfo[]) => new Set(layers.flatMap((layer) => layer.outputs.filter((t) => t.dtype === 'bfloat16').map((t) => t.name)));
const readsOrWritesBf16 = (layer: LayerInfo) => [...layer.inputs, ...layer.outputs].some((t) => t.dtype === 'bfloat16');

describe('bf16 activations between bf16 layers', () => {
  it('keeps bf16 tensors between bf16 layers, fp32 elsewhere, and agrees with fp32 and onnxruntime', async () => {
    const { logits, layers, lines } = await build(config((c) => { c.bf16 = true; }));
    const narrow = bf16Tensors(layers);
    if (!bf16Runs) {
      // No vector bf16 conv on this CPU: the flag falls back to fp32 everywhere, with no bf16 tensor.
      expect(narrow.size).toBe(0);
      expect(layers.filter((layer) => /^bf16_/.test(layer.tactic))).toEqual([]);
      const fp32 = (await evaluate(await load(save(network().model)), feeds)).logits!.data as Float32Array;
      expect(cosine(logits, fp32)).toBeGreaterThan(0.99999);
      return;
    }
    // c1 → c2 (input and residual), c2 → dw, dw → squeeze, squeeze → expands, expands → concat, concat → c3.
    expect(narrow.size).toBeGreaterThanOrEqual(7);
    for (const layer of layers.filter(readsOrWritesBf16)) expect(layer.tactic).toMatch(/^(bf16_conv|bf16_dwconv|x_concat)/);
    if (dwRunnable) expect(layers.filter((layer) => layer.tactic.startsWith('bf16_dwconv')).length).toBe(1);
    expect(layers.some((layer) => layer.tactic.startsWith('x_concat') && layer.inputs.every((t) => t.dtype === 'bfloat16'))).toBe(true);
    // The last conv feeds the fp32 pooling: it writes fp32.
    const last = layers.filter((layer) => layer.tactic.startsWith('bf16_conv')).at(-1)!;
    expect(last.outputs[0]!.dtype).toBe('float32');
    expect(lines.some((line) => /activation tensors stay bf16 between layers/.test(line))).toBe(true);
    const model = await load(save(network().model));
    const fp32 = (await evaluate(model, feeds)).logits!.data as Float32Array;
    expect(cosine(logits, fp32)).toBeGreaterThan(0.999);
    const session = await ort.InferenceSession.create(save(network().model));
    const theirs = await session.run({ image: new ort.Tensor('float32', feeds.image.data as Float32Array, feeds.image.dims) });
    expect(cosine(logits, theirs.logits!.data as Float32Array)).toBeGreaterThan(0.999);
  });

  it('the bf16 tensors change only storage: the same plan without them gives nearly the same logits', async () => {
    const before = process.env.KILN_DISABLE_PASSES;
    process.env.KILN_DISABLE_PASSES = 'keep-bf16-activations';
    let wide: Awaited<ReturnType<typeof build>>;
    try {
      wide = await build(config((c) => { c.bf16 = true; }));
    } finally {
      if (before === undefined) delete process.env.KILN_DISABLE_PASSES;
      else process.env.KILN_DISABLE_PASSES = before;
    }
    expect(bf16Tensors(wide.layers).size).toBe(0);
    const { logits } = await build(config((c) => { c.bf16 = true; }));
    expect(cosine(logits, wide.logits)).toBeGreaterThan(0.9999);
  });

  it('a layer constrained to fp32 reads and writes fp32', async () => {
    const { layers } = await build(config((c) => { c.bf16 = true; }));
    const dw = layers.find((layer) => layer.tactic.startsWith('bf16_dwconv') || layer.tactic.startsWith('f32_dwconv'))!;
    const { layers: constrained } = await build(config((c) => {
      c.bf16 = true;
      c.precisionConstraints = 'obey';
      c.layerPrecisions = { [dw.name]: 'fp32' };
    }));
    const kept = constrained.find((layer) => layer.name === dw.name)!;
    expect(kept.tactic).toMatch(/^f32_dwconv/);
    expect(readsOrWritesBf16(kept)).toBe(false);
  });

  it('prefer: a precision no kernel of the layer takes falls back to fp32 instead of failing the build', async () => {
    const { layers } = await build(config((c) => { c.bf16 = true; }));
    const dw = layers.find((layer) => layer.tactic.startsWith('bf16_dwconv') || layer.tactic.startsWith('f32_dwconv'))!;
    // The bf16 conv tactics are GEMM-based and take no depthwise convolution.
    const { layers: preferred, logits, lines } = await build(config((c) => {
      c.bf16 = true;
      c.precisionConstraints = 'prefer';
      c.layerPrecisions = { [dw.name]: 'bf16' };
    }));
    expect(preferred.find((layer) => layer.name === dw.name)!.tactic).toMatch(/^(f32|bf16)_dwconv/);
    // Said once: by tactic selection (no bf16 tactic takes a depthwise conv), or, where no bf16
    // kernel runs at all, by the precision plan.
    const fellBack = bf16Runs ? 'its precision was only preferred' : 'has no bf16 kernel on this CPU; it runs in fp32';
    expect(lines.some((line) => line.includes(dw.name) && line.includes(fellBack))).toBe(true);
    const fp32 = (await evaluate(await load(save(network().model)), feeds)).logits!.data as Float32Array;
    expect(cosine(logits, fp32)).toBeGreaterThan(0.999);
  });

  it('timed builds (level 3) re-time in bf16 form and stay close to fp32', async () => {
    const { logits, layers, lines } = await build((() => { const c = new BuilderConfig(); c.bf16 = true; return c; })());
    for (const layer of layers.filter(readsOrWritesBf16)) expect(layer.tactic).toMatch(/^(bf16_conv|bf16_dwconv|x_concat)/);
    if (amx) expect(bf16Tensors(layers).size).toBeGreaterThan(0);
    expect(lines.filter((line) => line.startsWith('Tactic:')).length).toBeGreaterThan(0);
    const fp32 = (await evaluate(await load(save(network().model)), feeds as Record<string, Tensor>)).logits!.data as Float32Array;
    expect(cosine(logits, fp32)).toBeGreaterThan(0.999);
  });
});
