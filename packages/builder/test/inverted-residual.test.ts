import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { save, type Tensor } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { BuilderConfig, buildSerializedNetwork, NetworkDefinition, type NetworkTensor } from '../src/index.js';
import { closeTo, randomFloat } from './helpers.js';

type Relu6 = 'relu6' | 'none';

interface BlockOptions {
  expand?: number;
  out: number;
  stride?: number;
  residual?: boolean;
  expandGroup?: number;
  projectGroup?: number;
  /** Also read the expanded tensor elsewhere / mark it as a graph output / mark the depthwise output as one. */
  tapExpanded?: 'read' | 'output';
  tapDepthwise?: boolean;
  projectAct?: Relu6;
}

let seed = 300;

/** A MobileNetV2 inverted-residual block: [1x1 expand + ReLU6] → 3x3 depthwise + ReLU6 → 1x1 project [+ x]. */
function block(network: NetworkDefinition, x: NetworkTensor, channels: number, options: BlockOptions, taps: NetworkTensor[]): NetworkTensor {
  const relu6 = (t: NetworkTensor) => network.addActivation(t, 'Clip', { alpha: 0, beta: 6 });
  const conv = (input: NetworkTensor, inChannels: number, out: number, k: number, extra: { group?: number; strides?: number[]; pads?: number[] } = {}) => {
    const group = extra.group ?? 1;
    const fanIn = (inChannels / group) * k * k;
    return network.addConvolution(input, { weights: randomFloat([out, inChannels / group, k, k], seed++, 1 / Math.sqrt(fanIn)), bias: randomFloat([out], seed++, 0.2), ...extra });
  };
  let current = x;
  let width = channels;
  if (options.expand) {
    current = relu6(conv(current, channels, options.expand, 1, { group: options.expandGroup ?? 1 }));
    width = options.expand;
    if (options.tapExpanded === 'read') taps.push(network.addPooling(current, { type: 'globalAverage' }));
    if (options.tapExpanded === 'output') taps.push(current);
  }
  const stride = options.stride ?? 1;
  current = relu6(conv(current, width, width, 3, { group: width, strides: [stride, stride], pads: [1, 1, 1, 1] }));
  if (options.tapDepthwise) taps.push(current);
  current = conv(current, width, options.out, 1, { group: options.projectGroup ?? 1 });
  if (options.residual) current = network.addElementwise(current, x, 'Add');
  return options.projectAct === 'relu6' ? relu6(current) : current;
}

/** Stem conv, then the blocks; the last block's output and any taps are graph outputs. */
function network(blocks: BlockOptions[], size = 14): NetworkDefinition {
  const network = new NetworkDefinition();
  const x = network.addInput('x', 'float32', ['N', 3, size, size]);
  let current: NetworkTensor = network.addActivation(network.addConvolution(x, { weights: randomFloat([16, 3, 3, 3], seed++, 0.3), pads: [1, 1, 1, 1] }), 'Relu');
  let channels = 16;
  const taps: NetworkTensor[] = [];
  for (const options of blocks) {
    current = block(network, current, channels, options, taps);
    channels = options.out;
  }
  network.markOutput(current, 'y');
  taps.forEach((tap, i) => network.markOutput(tap, `tap${i}`));
  return network;
}

async function build(net: NetworkDefinition, level: number, batch = 2, size = 14, timingCacheFile?: string) {
  const config = new BuilderConfig();
  config.timingCacheFile = timingCacheFile;
  config.verifyPasses = true;
  config.builderOptimizationLevel = level;
  const log: string[] = [];
  config.log = (line) => log.push(line);
  config.addOptimizationProfile({ x: { min: [1, 3, size, size], opt: [batch, 3, size, size], max: [batch, 3, size, size] } });
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(net, config));
  return { engine, log, fused: engine.inspect().layers.filter((layer) => layer.tactic.startsWith('f32_mbconv')) };
}

/** Kiln's outputs against onnxruntime-node's on the same model bytes (atol 1e-4, rtol 1e-3). */
async function expectMatchesOrt(net: NetworkDefinition, engine: Awaited<ReturnType<typeof build>>['engine'], batch = 2, size = 14) {
  const feeds = { x: randomFloat([batch, 3, size, size], 99) };
  const session = await ort.InferenceSession.create(save(net.model), { intraOpNumThreads: 1 });
  const theirs = await session.run({ x: new ort.Tensor('float32', feeds.x.data as Float32Array, feeds.x.dims) });
  const mine = await engine.createExecutionContext().run(feeds);
  for (const [name, value] of Object.entries(theirs)) {
    const expected: Tensor = { type: 'float32', dims: [...value.dims], data: value.data as Float32Array };
    const result = closeTo(mine[name]!, expected, 1e-4, 1e-3);
    expect(result.ok, `${name}: ${result.message}`).toBe(true);
  }
}

const MOBILENET_LIKE: BlockOptions[] = [
  { out: 8 },
  { expand: 48, out: 24, stride: 2 },
  { expand: 72, out: 24, residual: true },
  { expand: 72, out: 20, stride: 2, projectAct: 'relu6' },
];

describe('fuse-inverted-residual', () => {
  afterEach(() => {
    delete process.env.KILN_DISABLE_PASSES;
  });

  it('fuses every block of a small MobileNetV2-like network (heuristic) and matches onnxruntime-node', async () => {
    const net = network(MOBILENET_LIKE);
    const { engine, log, fused } = await build(net, 0);
    expect(fused.map((layer) => layer.sources.length)).toEqual([3, 5, 6, 6]);
    expect(log.filter((line) => /^Fused: .* \(inverted residual/.test(line))).toHaveLength(4);
    expect(log.some((line) => line.includes('inverted residual without expand'))).toBe(true);
    await expectMatchesOrt(net, engine);
    process.env.KILN_DISABLE_PASSES = 'fuse-inverted-residual';
    const unfused = await build(net, 0);
    expect(unfused.fused).toHaveLength(0);
    // The expanded and depthwise tensors are no longer planned.
    expect(engine.inspect().activationBytes).toBeLessThan(unfused.engine.inspect().activationBytes);
    expect(engine.inspect().layers.length).toBe(unfused.engine.inspect().layers.length - 7);
  });

  it('times the fused layer against the three layers above level 0, and matches onnxruntime-node at batch 1 and 2', async () => {
    const net = network(MOBILENET_LIKE);
    const { engine, log } = await build(net, 1);
    expect(log.filter((line) => /^Inverted residual .*: fused [\d.]+ ms vs unfused [\d.]+ ms$/.test(line))).toHaveLength(4);
    await expectMatchesOrt(net, engine, 2);
    await expectMatchesOrt(net, engine, 1);
  });

  it('keeps each block timing in the timing cache: a block repeated or cached is not timed again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-ir-cache-'));
    try {
      const file = path.join(dir, 'timing.cache');
      // Blocks 3 and 4 have the same geometry: one entry for both.
      const net = network([...MOBILENET_LIKE.slice(0, 3), { expand: 72, out: 24, residual: true }]);
      const decisions = (log: string[]) => log.filter((line) => line.startsWith('Inverted residual')).map((line) => line.replace(/^.*: fused/, 'fused'));
      const first = decisions((await build(net, 1, 2, 14, file)).log);
      const entries = Object.keys(JSON.parse(fs.readFileSync(file, 'utf8')).entries).filter((key) => key.startsWith('inverted-residual||'));
      expect(first).toHaveLength(4);
      expect(entries).toHaveLength(3);
      expect(first[3]).toBe(first[2]);
      // The second build reads every block's timing (the same numbers), as it reads the tactics.
      expect(decisions((await build(net, 1, 2, 14, file)).log)).toEqual(first);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the expand conv out when its output is read elsewhere or is a graph output, or when it is grouped', async () => {
    for (const broken of [{ tapExpanded: 'read' }, { tapExpanded: 'output' }, { expandGroup: 2 }] as const) {
      const net = network([{ expand: 48, out: 16, residual: true, ...broken }]);
      const { engine, fused } = await build(net, 0);
      // The depthwise and project convs still fuse (a block without expand); the expand stays a layer.
      expect(fused).toHaveLength(1);
      expect(fused[0]!.sources).toHaveLength(4);
      expect(engine.inspect().layers.filter((layer) => layer.tactic.startsWith('f32_conv'))).toHaveLength(2);
      await expectMatchesOrt(net, engine);
    }
  });

  it('does not fire when the depthwise output is read elsewhere or the project conv is grouped', async () => {
    for (const broken of [{ tapDepthwise: true }, { projectGroup: 2 }] as const) {
      const net = network([{ expand: 48, out: 16, ...broken }]);
      const { engine, fused, log } = await build(net, 0);
      expect(fused).toHaveLength(0);
      expect(log.some((line) => line.includes('inverted residual'))).toBe(false);
      await expectMatchesOrt(net, engine);
    }
  });
});
