// The stem of a bf16 (or fp16) engine reads the NCHW image itself: no input reformat in the plan.
// In a bf16 engine it writes bf16 (bf16_conv_nchw) when the stem and its neighbours (its reader, a
// max pool or a depthwise conv, and the layers after it) are faster that way; both forms agree with fp32 and onnxruntime-node. Tactic
// timing is real except where a test fixes the bf16 re-timing (timeTactic) to decide the stem
// one way or the other, and the NCHW-vs-NHWC revisit is kept from moving the stem back to NHWC.
import { KilnError } from '@kiln/common';
import { kernels } from '@kiln/core-native';
import { evaluate, load, save, type Tensor } from '@kiln/onnx-tools';
import { encodePlan, type LayerInfo, Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BuilderConfig, buildSerializedNetwork, NetworkDefinition } from '../src/index.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { cosine, randomFloat } from './helpers.js';

/** How the faked bf16 re-timing decides; undefined: every timing is real. */
const fake = vi.hoisted(() => ({ readerBf16Ms: undefined as number | undefined, keepNchw: false, stem: '', reader: '' }));

vi.mock('../src/internal/tactics/select.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/internal/tactics/select.js')>();
  // The stem costs 1.00 ms in fp32 and 1.05 in bf16; its reader 0.5 ms reading fp32 and
  // fake.readerBf16Ms reading bf16; any other bf16 form that applies is fast (the rest of the net
  // stays bf16).
  const fakeMs = (layer: LoweredLayer, tactic: string, symbols: ReadonlyMap<string, number>, rounds?: number) => {
    if (layer.name === fake.stem) return tactic.startsWith('bf16_conv_nchw') ? 1.05 : 1;
    // The depthwise reader may be timed fused with the 1x1 conv after it ("<reader> + <conv>").
    if (layer.name === fake.reader || layer.name.startsWith(`${fake.reader} + `)) return layer.inputs[0]?.dtype === 'bfloat16' ? fake.readerBf16Ms : 0.5;
    const ms = actual.timeTactic(layer, tactic, symbols, rounds);
    return ms !== undefined && tactic.startsWith('bf16_') ? 1e-6 : ms;
  };
  return {
    ...actual,
    timeTactic: (layer: LoweredLayer, tactic: string, symbols: ReadonlyMap<string, number>, rounds?: number) =>
      fake.readerBf16Ms === undefined ? actual.timeTactic(layer, tactic, symbols, rounds) : fakeMs(layer, tactic, symbols, rounds),
    // keepBf16Activations times a conv and its neighbours as one program per choice: the sum here.
    timeAlternatives: (alternatives: readonly (readonly (readonly [LoweredLayer, string])[])[], symbols: ReadonlyMap<string, number>, rounds?: number) => {
      if (fake.readerBf16Ms === undefined) return actual.timeAlternatives(alternatives, symbols, rounds);
      return alternatives.map((steps) => steps.reduce<number | undefined>((sum, [layer, tactic]) => {
        const ms = fakeMs(layer, tactic, symbols);
        return sum === undefined || ms === undefined ? undefined : sum + ms;
      }, 0));
    },
  };
});

vi.mock('../src/internal/lower/read-nchw.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../src/internal/lower/read-nchw.js')>();
  return { ...actual, revisitNchwConvs: (...args: Parameters<typeof actual.revisitNchwConvs>) => (fake.keepNchw ? undefined : actual.revisitNchwConvs(...args)) };
});

type Reader = 'maxpool' | 'depthwise';

/**
 * image [1, 3, 21, 25] → stem conv 3x3 s2 + bias + Relu → reader → conv 1x1 + Relu → conv 3x3 →
 * global average → logits. Sets fake.stem / fake.reader to the stem's and the reader's layer names.
 */
function network(reader: Reader): NetworkDefinition {
  const n = new NetworkDefinition();
  const node = (output: { name: string }) => output.name.replace(/_output$/, '');
  const x = n.addInput('image', 'float32', [1, 3, 21, 25]);
  const conv = n.addConvolution(x, { weights: randomFloat([24, 3, 3, 3], 41, 0.4), bias: randomFloat([24], 42, 0.1), strides: [2, 2], pads: [1, 1, 1, 1] });
  fake.stem = node(conv);
  const stem = n.addActivation(conv, 'Relu');
  const first = reader === 'maxpool' ? n.addPooling(stem, { type: 'max', kernel: [3, 3], strides: [2, 2] }) : n.addConvolution(stem, { weights: randomFloat([24, 1, 3, 3], 43, 0.5), group: 24, pads: [1, 1, 1, 1] });
  fake.reader = node(first);
  const read = reader === 'maxpool' ? first : n.addActivation(first, 'Clip', { alpha: 0, beta: 6 });
  const squeeze = n.addActivation(n.addConvolution(read, { weights: randomFloat([32, 24, 1, 1], 44, 0.3) }), 'Relu');
  const head = n.addConvolution(squeeze, { weights: randomFloat([40, 32, 3, 3], 45, 0.1), pads: [1, 1, 1, 1] });
  n.markOutput(n.addShuffle(n.addPooling(head, { type: 'globalAverage' }), { reshape: [0, -1] }), 'logits');
  return n;
}

const feeds = { image: randomFloat([1, 3, 21, 25], 46) };
const bf16Stems = kernels().some((kernel) => kernel.family === 'bf16_conv_nchw' && kernel.runnable && !kernel.name.endsWith('__scalar'));
const amx = kernels().some((kernel) => kernel.name === 'bf16_conv_1x1_32x32__amx' && kernel.runnable);

async function build(reader: Reader, setup: (c: BuilderConfig) => void) {
  const lines: string[] = [];
  const config = new BuilderConfig();
  config.verifyPasses = true;
  config.log = (line) => lines.push(line);
  setup(config);
  const plan = await buildSerializedNetwork(network(reader), config);
  const engine = new Runtime().deserializeEngine(plan);
  const logits = (await engine.createExecutionContext().run(feeds)).logits!.data as Float32Array;
  const layers = engine.inspect().layers;
  const stem = layers.find((layer) => layer.name === fake.stem)!;
  return { plan, engine, logits, layers, stem, lines };
}


/** Agrees with the fp32 reference evaluator and onnxruntime-node to bf16 accuracy. */
async function expectAgrees(reader: Reader, logits: Float32Array): Promise<void> {
  const bytes = save(network(reader).model);
  const reference = (await evaluate(await load(bytes), feeds as Record<string, Tensor>)).logits!.data as Float32Array;
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  const theirs = (await session.run({ image: new ort.Tensor('float32', feeds.image.data as Float32Array, feeds.image.dims) })).logits!.data as Float32Array;
  expect(cosine(logits, reference)).toBeGreaterThan(0.999);
  expect(cosine(logits, theirs)).toBeGreaterThan(0.999);
}

const inputReformats = (layers: LayerInfo[]) => layers.filter((layer) => layer.type === 'Reformat' && layer.inputs.some((input) => input.name === 'image'));

describe('the stem of reduced-precision engines reads NCHW', () => {
  afterEach(() => Object.assign(fake, { readerBf16Ms: undefined, keepNchw: false }));

  for (const precision of ['bf16', 'fp16'] as const) {
    it(`${precision}, level 0: no input reformat, an fp32 NCHW stem, agrees with fp32 and onnxruntime`, async () => {
      const { layers, stem, logits } = await build('maxpool', (c) => {
        c[precision] = true;
        c.builderOptimizationLevel = 0;
      });
      expect(inputReformats(layers)).toEqual([]);
      expect(stem.tactic).toMatch(/^f32_conv_nchw_/);
      expect(stem.inputs[0]).toMatchObject({ name: 'image', dtype: 'float32', dims: [1, 3, 21, 25] });
      await expectAgrees('maxpool', logits);
    });
  }

  for (const reader of ['maxpool', 'depthwise'] as const) {
    it.skipIf(!bf16Stems || !amx)(`bf16: the stem writes bf16 when it and its ${reader} reader are faster so`, async () => {
      Object.assign(fake, { readerBf16Ms: 0.2, keepNchw: true });
      const { layers, stem, logits, lines } = await build(reader, (c) => {
        c.bf16 = true;
        c.builderOptimizationLevel = 1;
      });
      expect(inputReformats(layers)).toEqual([]);
      expect(stem.tactic).toMatch(/^bf16_conv_nchw_/);
      expect(stem.inputs[0]).toMatchObject({ name: 'image', dtype: 'float32' });
      expect(stem.outputs[0]!.dtype).toBe('bfloat16');
      // The depthwise reader may run fused with the 1x1 conv after it (a bf16_mbconv layer named
      // "<depthwise> + <conv>").
      const next = layers.find((layer) => layer.name === fake.reader || layer.name.startsWith(`${fake.reader} + `))!;
      expect(next.tactic).toMatch(reader === 'maxpool' ? /^bf16_maxpool2d_nhwc/ : /^bf16_(dwconv|mbconv)/);
      expect(next.inputs[0]!.dtype).toBe('bfloat16');
      // 1.05 + 0.2 ms against 1 + 0.5 ms (the other neighbours' bf16 forms take 1e-6 ms).
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^Precision: ${fake.stem} with its neighbours: bf16 1\\.2500 ms, fp32 1\\.5000 ms \\(${stem.tactic} / f32_conv_nchw_\\w+, \\d+ neighbours(; bf16 timed [^)]*)?\\): bf16$`)));
      await expectAgrees(reader, logits);
    });
  }

  it.skipIf(!bf16Stems || !amx)('bf16: the stem stays fp32 when its reader gains nothing from bf16', async () => {
    Object.assign(fake, { readerBf16Ms: 0.5, keepNchw: true });
    const { layers, stem, logits } = await build('maxpool', (c) => {
      c.bf16 = true;
      c.builderOptimizationLevel = 1;
    });
    expect(inputReformats(layers)).toEqual([]);
    expect(stem.tactic).toMatch(/^f32_conv_nchw_/);
    expect(stem.outputs[0]!.dtype).toBe('float32');
    await expectAgrees('maxpool', logits);
  });

  it.skipIf(!bf16Stems || !amx)('a plan whose bf16 stem was edited to another family or dtype is refused as ERR_PLAN_CORRUPT', async () => {
    Object.assign(fake, { readerBf16Ms: 0.2, keepNchw: true });
    const { plan, engine } = await build('maxpool', (c) => {
      c.bf16 = true;
      c.builderOptimizationLevel = 1;
    });
    const header = engine.header;
    const at = header.layers.findIndex((layer) => layer.kernel.startsWith('bf16_conv_nchw'));
    expect(at).toBeGreaterThanOrEqual(0);
    const view = new DataView(plan.buffer, plan.byteOffset, plan.byteLength);
    const weights = plan.subarray(Number(view.getBigUint64(16, true)), Number(view.getBigUint64(16, true) + view.getBigUint64(24, true)));
    const edits: ((copy: typeof header) => void)[] = [
      (copy) => (copy.layers[at]!.kernel = copy.layers[at]!.kernel.replace(/^bf16_/, 'f32_').replace(/__avx512bf16$/, '__avx512')),
      (copy) => (copy.tensors[copy.layers[at]!.outputs[0]!]!.dtype = 'float32'),
      (copy) => (copy.tensors[copy.layers[at]!.inputs[0]!]!.dtype = 'bfloat16'),
    ];
    for (const edit of edits) {
      const copy = structuredClone(header);
      edit(copy);
      let caught: unknown;
      try {
        await new Runtime().deserializeEngine(encodePlan(copy, weights)).createExecutionContext().run(feeds);
      } catch (error) {
        caught = error;
      }
      expect(KilnError.isInstance(caught, 'ERR_PLAN_CORRUPT'), String(caught)).toBe(true);
    }
  });

  it('bf16, real timing (level 1): either path, no input reformat when the stem reads NCHW, close to fp32', async () => {
    const { layers, stem, logits, lines } = await build('depthwise', (c) => {
      c.bf16 = true;
      c.builderOptimizationLevel = 1;
    });
    const decision = lines.find((line) => line.startsWith(`Layout: ${fake.stem} `))!;
    expect(decision).toBeDefined();
    if (decision.includes('reads NCHW')) {
      expect(inputReformats(layers)).toEqual([]);
      expect(stem.tactic).toMatch(/^(f32|bf16)_conv_nchw_/);
      if (stem.tactic.startsWith('bf16_')) expect(stem.outputs[0]!.dtype).toBe('bfloat16');
    } else {
      expect(inputReformats(layers)).toHaveLength(1);
    }
    // Every bf16 tensor is written by a bf16 layer.
    for (const layer of layers.filter((l) => l.outputs.some((t) => t.dtype === 'bfloat16'))) expect(layer.tactic).toMatch(/^(bf16_|x_concat)/);
    await expectAgrees('depthwise', logits);
  });
});
