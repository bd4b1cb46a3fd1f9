// Concat elimination in bf16 and int8 engines: a small fire-module CNN (squeezenet's squeeze 1x1,
// expand 1x1 + expand 3x3, channel Concat) built with bf16 and with int8 keeps no Concat copy:
// the expand convs write bfloat16 / uint8 straight into their channel ranges (x_concat_view
// layers), and the engines agree bit for bit with the same builds without the pass
// (KILN_DISABLE_PASSES=eliminate-concats), and with onnxruntime-node. Plus the rules of
// eliminateConcats for narrow dtypes on hand-made layer lists (a uint8 Concat whose producers
// write different grids keeps its copy).
import { MinMaxCalibrator } from '@kiln/calib';
import { kernels } from '@kiln/core-native';
import { Variable, save } from '@kiln/onnx-tools';
import { type LayerInfo, Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { CONCAT_VIEW_TACTIC, eliminateConcats } from '../src/internal/lower/eliminate-concats.js';
import type { LoweredLayer } from '../src/internal/lower/types.js';
import { randomFloat, runsVector } from './helpers.js';

afterEach(() => vi.unstubAllEnvs());

const [H, W] = [17, 15];

/** image [N, 8, 17, 15] → conv 3x3 + Relu → two fire modules (the second after a max pool) → conv 1x1 → global average pool → logits. */
function fireNetwork(): NetworkDefinition {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', ['N', 8, H, W]);
  let seed = 60;
  const conv = (input: ReturnType<NetworkDefinition['addInput']>, out: number, inC: number, k: number, scale: number) =>
    n.addActivation(n.addConvolution(input, { weights: randomFloat([out, inC, k, k], seed++, scale), bias: randomFloat([out], seed++, 0.1), pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0] }), 'Relu');
  const fire = (input: ReturnType<NetworkDefinition['addInput']>, inC: number, squeeze: number, expand: number) => {
    const s = conv(input, squeeze, inC, 1, 0.3);
    return n.addConcatenation([conv(s, expand, squeeze, 1, 0.3), conv(s, expand, squeeze, 3, 0.12)], 1);
  };
  const stem = conv(x, 32, 8, 3, 0.2);
  const first = fire(stem, 32, 16, 40);
  const pooled = n.addPooling(first, { type: 'max', kernel: [3, 3], strides: [2, 2] });
  const second = fire(pooled, 80, 24, 48);
  const head = conv(second, 10, 96, 1, 0.1);
  n.markOutput(n.addShuffle(n.addPooling(head, { type: 'globalAverage' }), { reshape: [0, -1] }), 'logits');
  return n;
}

const amx = (name: string) => kernels().some((kernel) => kernel.name === name && kernel.runnable);
const bf16Runs = amx('bf16_conv_1x1_32x32__amx') || amx('bf16_conv_1x1_14x32c2__avx512bf16');
const int8Runs = runsVector('qu8_conv');

function config(setup: (c: BuilderConfig) => void): BuilderConfig {
  const c = new BuilderConfig();
  c.builderOptimizationLevel = 0;
  c.verifyPasses = true;
  c.addOptimizationProfile({ image: { min: [1, 8, H, W], opt: [1, 8, H, W], max: [2, 8, H, W] } });
  setup(c);
  return c;
}

const calibration = () => ({ calibrator: new MinMaxCalibrator(), loader: Array.from({ length: 4 }, (_, i) => ({ image: randomFloat([1, 8, H, W], 700 + i) })) });

interface Built {
  plan: Uint8Array;
  layers: LayerInfo[];
  lines: string[];
}

async function build(setup: (c: BuilderConfig) => void, disable?: string): Promise<Built> {
  if (disable) vi.stubEnv('KILN_DISABLE_PASSES', disable);
  const lines: string[] = [];
  const plan = await buildSerializedNetwork(fireNetwork(), config((c) => {
    setup(c);
    c.log = (line) => lines.push(line);
  }));
  vi.unstubAllEnvs();
  return { plan, layers: new Runtime().deserializeEngine(plan).inspect().layers, lines };
}

async function logits(plan: Uint8Array, batch: number): Promise<Float32Array> {
  const out = await new Runtime().deserializeEngine(plan).createExecutionContext().run({ image: randomFloat([batch, 8, H, W], 900 + batch) });
  return out.logits!.data as Float32Array;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let [dot, na, nb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/** Both fire Concats are views whose inputs are `dtype`, written by `prefix` tactics; the build without the pass copies them, runs the same tactics otherwise and gives the same bits; both agree with onnxruntime-node. */
async function expectEliminated(setup: (c: BuilderConfig) => void, dtype: string, prefix: string): Promise<void> {
  const on = await build(setup);
  const off = await build(setup, 'eliminate-concats');
  const views = on.layers.filter((layer) => layer.tactic === CONCAT_VIEW_TACTIC);
  expect(views, on.layers.map((layer) => `${layer.name} ${layer.tactic}`).join('\n')).toHaveLength(2);
  for (const view of views) {
    expect(view.inputs.map((input) => input.dtype)).toEqual([dtype, dtype]);
    for (const input of view.inputs) {
      const producer = on.layers.find((layer) => layer.outputs.some((output) => output.name === input.name))!;
      expect(producer.tactic).toMatch(prefix === 'bf16' ? /^bf16_conv_(1x1|im2col|winograd)_/ : /^qu8_conv_(1x1|im2col)_/);
    }
  }
  expect(on.lines.filter((line) => line.startsWith('Eliminated concatenation:') && line.includes('strided'))).toHaveLength(2);
  expect(off.layers.filter((layer) => layer.tactic.startsWith('x_concat__')).map((layer) => layer.inputs.map((input) => input.dtype))).toEqual([
    [dtype, dtype],
    [dtype, dtype],
  ]);
  const tactics = (built: Built) => built.layers.map((layer) => (layer.tactic.startsWith('x_concat') ? 'concat' : layer.tactic));
  expect(tactics(on)).toEqual(tactics(off));
  const fp32 = await build(() => {});
  const session = await ort.InferenceSession.create(save(fireNetwork().model), { intraOpNumThreads: 1 });
  for (const batch of [1, 2]) {
    const mine = await logits(on.plan, batch);
    expect(Array.from(mine), `batch ${batch}: with and without the pass`).toEqual(Array.from(await logits(off.plan, batch)));
    const image = randomFloat([batch, 8, H, W], 900 + batch);
    const theirs = (await session.run({ image: new ort.Tensor('float32', image.data as Float32Array, image.dims) })).logits!.data as Float32Array;
    expect(cosine(mine, theirs), `${dtype} batch ${batch} vs onnxruntime-node`).toBeGreaterThan(0.99);
    expect(cosine(mine, await logits(fp32.plan, batch)), `${dtype} batch ${batch} vs Kiln fp32`).toBeGreaterThan(0.99);
  }
}

describe('concat elimination in reduced-precision engines (fire modules)', () => {
  it.skipIf(!bf16Runs)('bf16: the expand convs write bfloat16 into their channel ranges; same bits as the copy, agrees with onnxruntime-node', async () => {
    await expectEliminated((c) => (c.bf16 = true), 'bfloat16', 'bf16');
  }, 60_000);

  it.skipIf(!int8Runs)('int8 (calibrated): the expand convs write uint8 on the Concat grid into their channel ranges; same bits as the copy, agrees with onnxruntime-node', async () => {
    await expectEliminated((c) => {
      c.int8 = true;
      c.int8Calibration = calibration();
    }, 'uint8', 'qu8');
  }, 60_000);
});

describe('eliminateConcats on narrow dtypes (hand-made layer lists)', () => {
  const value = (name: string, dtype: string, channels: number) => new Variable(name, dtype as 'float32', [1, 5, 5, channels]);
  const CONV = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0];

  /** x → two producers (tactics, trailing params) → Concat on the channel axis → a reader. */
  function layers(dtype: string, producers: [string, number[]][]): { list: LoweredLayer[]; concat: LoweredLayer } {
    const x = value('x', 'float32', 8);
    const parts = producers.map((_, i) => value(`part${i}`, dtype, 4 + i));
    const y = value('y', dtype, parts.reduce((sum, part) => sum + (part.shape![3] as number), 0));
    const list: LoweredLayer[] = producers.map(([tactic, trailing], i) => ({
      name: `conv${i}`, type: 'Convolution', family: tactic.replace(/_\d.*$|__.*$/, ''), tactic, inputs: [x], outputs: [parts[i]!], params: [...CONV, ...trailing], sources: [],
    }));
    const concat: LoweredLayer = { name: 'concat', type: 'Concatenation', family: 'x_concat', tactic: 'x_concat__avx512', inputs: parts, outputs: [y], params: [3], sources: [] };
    const out = value('out', 'float32', 9);
    list.push(concat, { name: 'reader', type: 'Convolution', family: 'qu8_conv', tactic: 'qu8_conv_1x1_32x32__amx', inputs: [y], outputs: [out], params: CONV, sources: [] });
    return { list, concat };
  }

  const run = (list: LoweredLayer[]) => eliminateConcats(list, new Set(), new Set(), () => {});
  const Q1 = 'qu8_conv_1x1_32x32__amx';
  const Q3 = 'qu8_conv_im2col_14x32c4__avx512vnni';

  it('uint8: eliminated when both producers write one grid, the views carry the output row stride', () => {
    const { list, concat } = layers('uint8', [[Q1, [0.05, 3]], [Q3, [0.05, 3]]]);
    const views = run(list);
    expect(concat.tactic).toBe(CONCAT_VIEW_TACTIC);
    expect([...views.values()].map((view) => [view.elementOffset, view.rowStride])).toEqual([
      [0, 9],
      [4, 9],
    ]);
  });

  it('uint8: keeps the copy when the grids differ or a producer has no known grid', () => {
    for (const producers of [
      [[Q1, [0.05, 3]], [Q3, [0.05, 4]]],
      [[Q1, [0.05, 3]], [Q3, [0.06, 3]]],
      [[Q1, [0.05, 3]], [Q3, []]],
    ] as [string, number[]][][]) {
      const { list, concat } = layers('uint8', producers);
      expect(run(list).size, JSON.stringify(producers)).toBe(0);
      expect(concat.tactic).toBe('x_concat__avx512');
    }
  });

  it('bfloat16 and fp32 written by reduced-precision tactics (bf16 Winograd twins included) are eliminated; a producer without strides keeps the copy', () => {
    const bf16 = layers('bfloat16', [['bf16_conv_1x1_32x32__amx', []], ['bf16_conv_im2col_4x4c2__scalar', []]]);
    expect(run(bf16.list).size).toBe(2);
    const winograd = layers('bfloat16', [['bf16_conv_1x1_14x32c2__avx512bf16', []], ['bf16_conv_winograd_4x4_14x32__avx512', []]]);
    expect(run(winograd.list).size).toBe(2);
    const fp32 = layers('float32', [['qu8_conv_nchw_6x64__avx512vnni', []], ['f16_conv_1x1_8x32__avx512fp16', []]]);
    expect(run(fp32.list).size).toBe(2);
    const depthwise = layers('bfloat16', [['bf16_conv_1x1_32x32__amx', []], ['bf16_dwconv_3x3__avx512', []]]);
    expect(run(depthwise.list).size).toBe(0);
    const f16 = layers('float16', [['f16_conv_1x1_8x32__avx512fp16', []], ['f16_conv_1x1_8x32__avx512fp16', []]]);
    expect(run(f16.list).size).toBe(0);
  });
});
