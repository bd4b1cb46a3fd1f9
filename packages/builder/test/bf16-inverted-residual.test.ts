// Inverted-residual fusion in bf16 engines: after keepBf16Activations, a small MobileNetV2-like
// network's blocks (bf16_conv expand → bf16_dwconv → bf16_conv project, bf16 tensors between)
// become bf16_mbconv layers that keep the block tensors' dtypes, and the engine's output equals,
// bit for bit, the same build without the fusion (the kernel rounds where the three layers do).
import { kernels } from '@kiln/core-native';
import { evaluate, load, save } from '@kiln/onnx-tools';
import { type LayerInfo, Runtime } from '@kiln/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { BuilderConfig, buildSerializedNetwork, NetworkDefinition, type NetworkTensor } from '../src/index.js';
import { cosine, randomFloat } from './helpers.js';

interface BlockOptions {
  expand?: number;
  out: number;
  stride?: number;
  residual?: boolean;
}

/** Stem conv + ReLU, MobileNetV2 blocks ([1x1 expand + ReLU6] → 3x3 depthwise + ReLU6 → 1x1 project [+ x]), pooled classifier. */
function network(blocks: BlockOptions[], size: number): NetworkDefinition {
  let seed = 700;
  const n = new NetworkDefinition();
  const relu6 = (t: NetworkTensor) => n.addActivation(t, 'Clip', { alpha: 0, beta: 6 });
  const conv = (input: NetworkTensor, inChannels: number, out: number, k: number, extra: { group?: number; strides?: number[]; pads?: number[] } = {}) => {
    const group = extra.group ?? 1;
    const fanIn = (inChannels / group) * k * k;
    return n.addConvolution(input, { weights: randomFloat([out, inChannels / group, k, k], seed++, 1.5 / Math.sqrt(fanIn)), bias: randomFloat([out], seed++, 0.2), ...extra });
  };
  const x = n.addInput('x', 'float32', [1, 3, size, size]);
  let current = n.addActivation(conv(x, 3, 16, 3, { strides: [2, 2], pads: [1, 1, 1, 1] }), 'Relu');
  let channels = 16;
  for (const options of blocks) {
    const input = current;
    let width = channels;
    if (options.expand) {
      current = relu6(conv(current, channels, options.expand, 1));
      width = options.expand;
    }
    const stride = options.stride ?? 1;
    current = relu6(conv(current, width, width, 3, { group: width, strides: [stride, stride], pads: [1, 1, 1, 1] }));
    current = conv(current, width, options.out, 1);
    if (options.residual) current = n.addElementwise(current, input, 'Add');
    channels = options.out;
  }
  const pooled = n.addShuffle(n.addPooling(current, { type: 'globalAverage' }), { reshape: [0, -1] });
  n.markOutput(n.addMatrixMultiply(pooled, n.addConstant(randomFloat([channels, 10], seed++, 0.3))), 'logits');
  return n;
}

const BLOCKS: BlockOptions[] = [
  { out: 16 },
  { expand: 96, out: 24, stride: 2 },
  { expand: 144, out: 24, residual: true },
  { expand: 144, out: 32, stride: 2 },
  { expand: 192, out: 32, residual: true },
];
const SIZE = 48;
const feeds = { x: randomFloat([1, 3, SIZE, SIZE], 11) };
const bf16Convs = kernels().some((kernel) => kernel.family === 'bf16_conv' && kernel.runnable && !kernel.name.endsWith('__scalar'));

async function build(level: number): Promise<{ logits: Float32Array; layers: LayerInfo[]; lines: string[] }> {
  const config = new BuilderConfig();
  config.bf16 = true;
  config.builderOptimizationLevel = level;
  config.verifyPasses = true;
  const lines: string[] = [];
  config.log = (line) => lines.push(line);
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network(BLOCKS, SIZE), config));
  const out = await engine.createExecutionContext().run(feeds);
  return { logits: out.logits!.data as Float32Array, layers: engine.inspect().layers, lines };
}

async function buildUnfused(level: number) {
  process.env.KILN_DISABLE_PASSES = 'fuse-inverted-residual';
  try {
    return await build(level);
  } finally {
    delete process.env.KILN_DISABLE_PASSES;
  }
}


const fusedLayers = (layers: LayerInfo[]) => layers.filter((layer) => layer.tactic.startsWith('bf16_mbconv'));

describe.skipIf(!bf16Convs)('fuse-inverted-residual in bf16 engines', () => {
  afterEach(() => {
    delete process.env.KILN_DISABLE_PASSES;
  });

  it('fuses every block into bf16_mbconv (heuristic) and equals the unfused bf16 plan bit for bit', async () => {
    const fused = await build(0);
    const unfused = await buildUnfused(0);
    const blocks = fusedLayers(fused.layers);
    expect(blocks.map((layer) => layer.sources.length)).toEqual([3, 5, 6, 5, 6]);
    expect(fused.lines.filter((line) => /^Fused: .* \(inverted residual.*bf16_mbconv_/.test(line))).toHaveLength(5);
    expect(fusedLayers(unfused.layers)).toHaveLength(0);
    expect(unfused.layers.filter((layer) => layer.tactic.startsWith('bf16_dwconv'))).toHaveLength(5);
    // Blocks between bf16 layers read and write bf16 (the last one feeds the fp32 pooling); the
    // expanded and depthwise tensors are gone.
    for (const layer of blocks.slice(1)) expect(layer.inputs[0]!.dtype).toBe('bfloat16');
    for (const layer of blocks.slice(0, -1)) expect(layer.outputs[0]!.dtype).toBe('bfloat16');
    expect(blocks.at(-1)!.outputs[0]!.dtype).toBe('float32');
    expect(fused.layers.length).toBe(unfused.layers.length - 9);
    expect(Array.from(new Uint32Array(fused.logits.buffer, fused.logits.byteOffset, fused.logits.length))).toEqual(
      Array.from(new Uint32Array(unfused.logits.buffer, unfused.logits.byteOffset, unfused.logits.length)),
    );
    const fp32 = (await evaluate(await load(save(network(BLOCKS, SIZE).model)), feeds)).logits!.data as Float32Array;
    expect(cosine(fused.logits, fp32)).toBeGreaterThan(0.999);
  });

  it('times each fused block against its three bf16 layers above level 0 and stays close to fp32', async () => {
    const { logits, layers, lines } = await build(1);
    // Every bf16 chain is timed. Which layers form one follows the timed precision choices before
    // the fusion (the stem's store, each conv's bf16-in/out form), so with real timing one of the
    // five blocks may not be a whole bf16 chain.
    const timed = lines.filter((line) => /^Inverted residual .*: fused [\d.]+ ms vs unfused [\d.]+ ms$/.test(line));
    expect([4, 5]).toContain(timed.length);
    // Each block is one bf16_mbconv layer or its three (two) layers, whichever was faster.
    const kept = fusedLayers(layers).length;
    expect(lines.filter((line) => line.startsWith('Fused:') && line.includes('bf16_mbconv'))).toHaveLength(kept);
    // Each block with a conv on a bf16 tactic is also weighed whole against its fused fp32 layer
    // (decideBf16Blocks); one that went back to fp32 keeps no bf16 layer.
    const decisions = lines.flatMap((line) => {
      const match = /^Precision: inverted residual (.*): bf16 .* ms, fp32 fused \(f32_mbconv_\w+\) [\d.]+ ms \(\d+ neighbours\): (bf16|fp32)$/.exec(line);
      return match ? [{ convs: match[1]!.split(' + '), choice: match[2] }] : [];
    });
    expect(decisions.length).toBeGreaterThan(0);
    for (const { convs, choice } of decisions.filter((decision) => decision.choice === 'fp32')) {
      const bf16Layers = layers.filter((layer) => layer.tactic.startsWith('bf16_') && layer.sources.some((source) => convs.includes(source)));
      expect(bf16Layers, `${convs.join(' + ')} went back to ${choice}`).toEqual([]);
    }
    const fp32 = (await evaluate(await load(save(network(BLOCKS, SIZE).model)), feeds)).logits!.data as Float32Array;
    expect(cosine(logits, fp32)).toBeGreaterThan(0.999);
  });

  it('KILN_DISABLE_PASSES=fuse-inverted-residual keeps the three layers', async () => {
    const { layers, lines } = await buildUnfused(0);
    expect(fusedLayers(layers)).toHaveLength(0);
    expect(lines.some((line) => line.includes('inverted residual'))).toBe(false);
  });
});
