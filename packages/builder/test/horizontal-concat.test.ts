import { KilnError } from '@kiln/common';
import { type Model, type Node, type Tensor, evaluate, inferShapes, load, save } from '@kiln/onnx-tools';
import { type PlanHeader, Runtime, encodePlan } from '@kiln/runtime';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildEngine, buildSerializedNetwork } from '../src/index.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { closeTo, hasShared, randomFloat, sharedModel } from './helpers.js';

// Horizontal fusion (same-input GEMMs / convolutions) and concat elimination: where they fire,
// where they must not, and that the engines still match the reference evaluator.

afterEach(() => vi.unstubAllEnvs());

async function optimize(network: NetworkDefinition, reducedPrecision = false): Promise<{ nodes: Node[]; log: string[] }> {
  const model: Model = await load(save(network.model));
  inferShapes(model);
  const context = new PassContext(model, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3, reducedPrecision });
  await runPipeline(context);
  return { nodes: context.model.graph.nodes, log: context.log.map((entry) => entry.message) };
}

const opsOf = (nodes: readonly Node[]) => nodes.map((node) => node.op);

interface Built {
  arenaBytes: number;
  tactics: string[];
  log: string[];
}

/** Build (verifier on), run against the reference evaluator for every feed set, return the plan's summary. */
async function buildAndCompare(network: NetworkDefinition, feedSets: Record<string, Tensor>[], profile?: Record<string, { min: number[]; opt: number[]; max: number[] }>): Promise<Built> {
  const config = new BuilderConfig();
  config.verifyPasses = true;
  config.builderOptimizationLevel = 0;
  const log: string[] = [];
  config.log = (line) => log.push(line);
  if (profile) config.addOptimizationProfile(profile);
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
  const model = await load(save(network.model));
  for (const feeds of feedSets) {
    const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
    for (const name of Object.keys(theirs)) {
      const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
      expect(result.ok, `${name}: ${result.message}`).toBe(true);
    }
  }
  const info = engine.inspect();
  return { arenaBytes: info.arenaBytes, tactics: info.layers.map((layer) => layer.tactic), log };
}


/**
 * Memory soundness of a plan: two arena tensors that are live at the same step and share bytes
 * must be aliases of one buffer (linked through x_copy or x_concat_view layers). Returns the
 * number of aliased pairs seen.
 */
function checkArena(header: PlanHeader): number {
  const tensors = header.tensors;
  const group = tensors.map((_, i) => i);
  const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i]!)));
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  header.layers.forEach((layer, step) => {
    for (const output of layer.outputs) if (!first.has(output)) first.set(output, step);
    for (const index of [...layer.inputs, ...layer.outputs]) last.set(index, step);
    if (layer.kernel.startsWith('x_copy') || layer.kernel.startsWith('x_concat_view')) for (const input of layer.inputs) group[find(input)] = find(layer.outputs[0]!);
  });
  const bytes = (i: number) => {
    const tensor = tensors[i]!;
    const dims = tensor.dims.map((dim) => (typeof dim === 'number' ? dim : 4));
    const count = dims.reduce((a, b) => a * b, 1);
    const rows = count / (dims.at(-1) ?? 1);
    return 4 * (tensor.rowStride ? (rows - 1) * tensor.rowStride + dims.at(-1)! : count);
  };
  const arena = tensors.flatMap((tensor, i) => (tensor.location === 'arena' && first.has(i) ? [i] : []));
  let aliased = 0;
  for (const a of arena) {
    for (const b of arena) {
      if (a >= b || last.get(a)! < first.get(b)! || last.get(b)! < first.get(a)!) continue;
      const [oa, ob] = [tensors[a]!.offset!, tensors[b]!.offset!];
      if (oa + bytes(a) <= ob || ob + bytes(b) <= oa) continue;
      expect(find(a), `${tensors[a]!.name} and ${tensors[b]!.name} share live bytes`).toBe(find(b));
      aliased++;
    }
  }
  return aliased;
}

/** x [B, 4, 16] → three projections with biases (Q, K, V style), the third with another activation when `mixed`. */
function projections(mixed: boolean) {
  const network = new NetworkDefinition();
  const x = network.addInput('x', 'float32', ['B', 4, 16]);
  const project = (n: number, seed: number) => network.addElementwise(network.addMatrixMultiply(x, network.addConstant(randomFloat([16, n], seed))), network.addConstant(randomFloat([n], seed + 1)), 'Add');
  const q = project(8, 1);
  const k = project(24, 3);
  const v = project(8, 5);
  network.markOutput(network.addSoftmax(q), 'q');
  network.markOutput(k, 'k');
  network.markOutput(mixed ? network.addActivation(v, 'Relu') : network.addActivation(v, 'Tanh'), 'v');
  return network;
}

const batch = (b: number, seed: number) => ({ x: randomFloat([b, 4, 16], seed) });
const profile = { x: { min: [1, 4, 16], opt: [2, 4, 16], max: [4, 4, 16] } };

describe('horizontal GEMM fusion', () => {
  it('fuses same-input GEMMs with the same epilogue into one multi-output GEMM', async () => {
    const network = projections(true);
    const { nodes, log } = await optimize(network);
    const gemms = nodes.filter((node) => node.op === 'FusedGemm');
    expect(gemms).toHaveLength(2);
    const fused = gemms.find((node) => node.outputs.length === 2)!;
    expect(fused.attributes.get('output_columns')).toEqual({ type: 'ints', value: [8, 24] });
    expect(fused.inputs[1]!.shape).toEqual([16, 32]);
    expect(log.some((line) => /^Fused: matmul_\d+ \+ add_\d+ \+ matmul_\d+ \+ add_\d+$/.test(line)), log.join('\n')).toBe(true);
    await buildAndCompare(network, [batch(1, 11), batch(3, 12)], profile);
  });

  it('fuses all three when the epilogues agree, and the engine matches the reference', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', 4, 16]);
    for (const [i, n] of [8, 24, 8].entries()) network.markOutput(network.addActivation(network.addMatrixMultiply(x, network.addConstant(randomFloat([16, n], 20 + i))), 'Relu'), `y${i}`);
    const { nodes } = await optimize(network);
    expect(nodes.filter((node) => node.op === 'FusedGemm').map((node) => node.outputs.length)).toEqual([3]);
    const built = await buildAndCompare(network, [batch(1, 21), batch(4, 22)], profile);
    expect(built.tactics.filter((tactic) => tactic.startsWith('f32_gemm'))).toHaveLength(1);
  });

  it('leaves GEMMs alone that read different inputs, take a residual, or run in reduced precision', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [2, 16]);
    const other = network.addActivation(x, 'Sigmoid');
    const a = network.addMatrixMultiply(x, network.addConstant(randomFloat([16, 16], 30)));
    const b = network.addMatrixMultiply(other, network.addConstant(randomFloat([16, 16], 31)));
    const c = network.addElementwise(network.addMatrixMultiply(x, network.addConstant(randomFloat([16, 16], 32))), b, 'Add');
    network.markOutput(a, 'a');
    network.markOutput(c, 'c');
    const { nodes } = await optimize(network);
    expect(nodes.filter((node) => node.op === 'FusedGemm').every((node) => node.outputs.length === 1)).toBe(true);
    await buildAndCompare(network, [{ x: randomFloat([2, 16], 33) }]);
    const reduced = await optimize(projections(false), true);
    expect(reduced.nodes.filter((node) => node.op === 'FusedGemm').every((node) => node.outputs.length === 1)).toBe(true);
  });
});

/** x [B, 3, 8, 8]: convolutions into one channel Concat, then a Relu. */
function convConcat(options: { pads?: number[]; extraReader?: boolean; batch?: number | string } = {}) {
  const network = new NetworkDefinition();
  const x = network.addInput('x', 'float32', [options.batch ?? 1, 3, 8, 8]);
  const a = network.addConvolution(x, { weights: randomFloat([4, 3, 3, 3], 40), bias: randomFloat([4], 41), pads: [1, 1, 1, 1] });
  const b = network.addConvolution(x, { weights: randomFloat([6, 3, 3, 3], 42), pads: options.pads ?? [1, 1, 1, 1] });
  const c = network.addConvolution(x, { weights: randomFloat([5, 3, 1, 1], 43) });
  const concat = network.addConcatenation([network.addActivation(a, 'Relu'), network.addActivation(b, 'Relu'), network.addActivation(c, 'Relu')], 1);
  network.markOutput(network.addActivation(concat, 'Sigmoid'), 'y');
  if (options.extraReader) network.markOutput(network.addActivation(b, 'Tanh'), 'z');
  return network;
}

describe('horizontal convolution fusion', () => {
  it('fuses same-input convolutions side by side in a Concat into one wider convolution', async () => {
    const network = convConcat();
    const { nodes, log } = await optimize(network);
    expect(opsOf(nodes).filter((op) => op === 'FusedConv')).toHaveLength(2);
    const fused = nodes.find((node) => node.op === 'FusedConv' && node.inputs[1]!.shape![0] === 10)!;
    expect(fused.inputs[2]!.shape).toEqual([10]);
    expect(log.some((line) => /^Fused: conv_\d+ \+ relu_\d+ \+ conv_\d+ \+ relu_\d+$/.test(line)), log.join('\n')).toBe(true);
    await buildAndCompare(network, [{ x: randomFloat([1, 3, 8, 8], 44) }]);
  });

  it('does not fuse mismatched pads or a branch read elsewhere', async () => {
    for (const network of [convConcat({ pads: [0, 0, 2, 2] }), convConcat({ extraReader: true })]) {
      const { nodes } = await optimize(network);
      expect(opsOf(nodes).filter((op) => op === 'FusedConv')).toHaveLength(3);
      await buildAndCompare(network, [{ x: randomFloat([1, 3, 8, 8], 45) }]);
    }
  });
});

describe('concat elimination', () => {
  it('strided (NHWC channel concat of convolutions): producers write in place, at batch 1 and 3', async () => {
    const network = convConcat({ pads: [0, 0, 2, 2], batch: 'N' });
    const built = await buildAndCompare(network, [{ x: randomFloat([1, 3, 8, 8], 50) }, { x: randomFloat([3, 3, 8, 8], 51) }], { x: { min: [1, 3, 8, 8], opt: [1, 3, 8, 8], max: [4, 3, 8, 8] } });
    expect(built.tactics).toContain('x_concat_view__scalar');
    expect(built.log.some((line) => line.startsWith('Eliminated concatenation:') && line.includes('strided'))).toBe(true);
  });

  it('strided GEMM outputs along the last axis, also at a shape where one row is left', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', 16]);
    const a = network.addActivation(network.addMatrixMultiply(x, network.addConstant(randomFloat([16, 12], 90))), 'Relu');
    const b = network.addActivation(network.addMatrixMultiply(x, network.addConstant(randomFloat([16, 20], 91))), 'Sigmoid');
    network.markOutput(network.addActivation(network.addConcatenation([a, b], -1), 'Tanh'), 'y');
    const feeds = [1, 3].map((rows, i) => ({ x: randomFloat([rows, 16], 92 + i) }));
    const built = await buildAndCompare(network, feeds, { x: { min: [1, 16], opt: [2, 16], max: [4, 16] } });
    expect(built.tactics).toContain('x_concat_view__scalar');
  });

  it('does not grow the arena peak (same build with the pass disabled)', async () => {
    const feeds = [{ x: randomFloat([1, 3, 8, 8], 52) }];
    const on = await buildAndCompare(convConcat({ pads: [0, 0, 2, 2] }), feeds);
    vi.stubEnv('KILN_DISABLE_PASSES', 'eliminate-concats,fuse-horizontal');
    const off = await buildAndCompare(convConcat({ pads: [0, 0, 2, 2] }), feeds);
    expect(off.tactics.some((tactic) => tactic.startsWith('x_concat__'))).toBe(true);
    expect(off.tactics).not.toContain('x_concat_view__scalar');
    expect(on.arenaBytes).toBeLessThanOrEqual(off.arenaBytes);
  });

  it('contiguous (every dim before the axis is 1): any native producer writes its slice', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [1, 5, 7]);
    const parts = [network.addActivation(x, 'Sigmoid'), network.addActivation(x, 'Tanh'), network.addSoftmax(x)];
    network.markOutput(network.addActivation(network.addConcatenation(parts, 1), 'Relu'), 'y');
    const built = await buildAndCompare(network, [{ x: randomFloat([1, 5, 7], 53) }]);
    expect(built.tactics).toContain('x_concat_view__scalar');
    expect(built.log.some((line) => line.includes('contiguous'))).toBe(true);
  });

  it('keeps the copy for a batch>1 non-last-axis concat, a graph-output concat, an input read twice, and a producer that cannot write strided', async () => {
    const cases: NetworkDefinition[] = [];
    {
      const network = new NetworkDefinition();
      const x = network.addInput('x', 'float32', [2, 5, 7]);
      network.markOutput(network.addActivation(network.addConcatenation([network.addActivation(x, 'Sigmoid'), network.addActivation(x, 'Tanh')], 1), 'Relu'), 'y');
      cases.push(network);
    }
    {
      const network = new NetworkDefinition();
      const x = network.addInput('x', 'float32', [1, 5, 7]);
      network.markOutput(network.addConcatenation([network.addActivation(x, 'Sigmoid'), network.addActivation(x, 'Tanh')], 1), 'y');
      cases.push(network);
    }
    {
      const network = new NetworkDefinition();
      const x = network.addInput('x', 'float32', [1, 5, 7]);
      const s = network.addActivation(x, 'Sigmoid');
      network.markOutput(network.addActivation(network.addConcatenation([s, s], 1), 'Relu'), 'y');
      cases.push(network);
    }
    {
      const network = new NetworkDefinition();
      const x = network.addInput('x', 'float32', [2, 3, 7]);
      network.markOutput(network.addActivation(network.addConcatenation([network.addActivation(x, 'Sigmoid'), network.addActivation(x, 'Tanh')], 2), 'Relu'), 'y');
      cases.push(network);
    }
    for (const [i, network] of cases.entries()) {
      const input = network.model.graph.inputs[0]!.shape as number[];
      const built = await buildAndCompare(network, [{ x: randomFloat(input, 60 + i) }]);
      expect(built.tactics, `case ${i}`).not.toContain('x_concat_view__scalar');
    }
  });

  it('keeps the copy when a reference layer reads the concat (a view cannot leave its native segment)', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [1, 5, 7]);
    const joined = network.addConcatenation([network.addActivation(x, 'Sigmoid'), network.addActivation(x, 'Tanh')], 1);
    network.markOutput(network.layer('Hardmax', [joined], { axis: { type: 'int', value: -1 } }), 'y');
    const built = await buildAndCompare(network, [{ x: randomFloat([1, 5, 7], 65) }]);
    expect(built.tactics).toContain('reference');
    expect(built.tactics).not.toContain('x_concat_view__scalar');
  });

  it('a plan whose view offset or row stride was tampered with is refused as ERR_PLAN_CORRUPT', async () => {
    const config = new BuilderConfig();
    config.builderOptimizationLevel = 0;
    const bytes = await buildSerializedNetwork(convConcat({ pads: [0, 0, 2, 2] }), config);
    const feeds = { x: randomFloat([1, 3, 8, 8], 70) };
    const header = new Runtime().deserializeEngine(bytes).header;
    const strided = header.tensors.findIndex((tensor) => tensor.rowStride !== undefined);
    expect(strided).toBeGreaterThanOrEqual(0);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const weights = bytes.subarray(Number(view.getBigUint64(16, true)), Number(view.getBigUint64(16, true) + view.getBigUint64(24, true)));
    const edits: ((tensor: (typeof header.tensors)[number]) => void)[] = [
      (tensor) => (tensor.rowStride = tensor.rowStride! * 1000),
      (tensor) => (tensor.rowStride = 1),
      (tensor) => (tensor.offset = tensor.offset! + 4),
      (tensor) => (tensor.offset = header.arenaBytes - 4),
    ];
    for (const edit of edits) {
      const copy = structuredClone(header);
      edit(copy.tensors[strided]!);
      const tampered = encodePlan(copy, weights);
      let caught: unknown;
      try {
        await new Runtime().deserializeEngine(tampered).createExecutionContext().run(feeds);
      } catch (error) {
        caught = error;
      }
      expect(KilnError.isInstance(caught, 'ERR_PLAN_CORRUPT'), String(caught)).toBe(true);
    }
  });
});

describe.skipIf(!hasShared)('on the shared models (parity with onnxruntime-node is models.test.ts)', () => {
  /** Build at level 0 (heuristic tactics: only the passes differ) and run on seeded inputs. */
  async function run(name: string, shapes: Record<string, number[]>, feeds: Record<string, Tensor>) {
    const log: string[] = [];
    const engine = new Runtime().deserializeEngine(await buildEngine(sharedModel(name), { shapes, builderOptimizationLevel: 0, log: (line) => log.push(line) }));
    const outputs = await engine.createExecutionContext().run(feeds);
    const info = engine.inspect();
    return { log, outputs, arenaBytes: info.arenaBytes, layers: info.layers, header: engine.header };
  }

  it('squeezenet1_1: all 8 fire-module concats are eliminated; same bits, arena not larger', async () => {
    const feeds = { input: randomFloat([1, 3, 224, 224], 80) };
    const on = await run('squeezenet1_1', { input: [1, 3, 224, 224] }, feeds);
    vi.stubEnv('KILN_DISABLE_PASSES', 'fuse-horizontal,eliminate-concats');
    const off = await run('squeezenet1_1', { input: [1, 3, 224, 224] }, feeds);
    expect(on.log.filter((line) => line.startsWith('Eliminated concatenation:') && line.includes('strided'))).toHaveLength(8);
    expect(on.layers.filter((layer) => layer.tactic === 'x_concat_view__scalar')).toHaveLength(8);
    expect(off.layers.filter((layer) => layer.tactic.startsWith('x_concat__'))).toHaveLength(8);
    expect(Array.from(on.outputs.logits!.data as Float32Array)).toEqual(Array.from(off.outputs.logits!.data as Float32Array));
    expect(on.arenaBytes).toBeLessThanOrEqual(off.arenaBytes);
    expect(checkArena(on.header)).toBeGreaterThanOrEqual(16);
  }, 60_000);

  it('bert_mini: Q, K and V of both layers run as one GEMM each; same bits', async () => {
    const count = 32;
    const feeds: Record<string, Tensor> = {
      input_ids: { type: 'int64', dims: [1, count], data: BigInt64Array.from({ length: count }, (_, i) => BigInt((i * 977) % 4096)) },
      attention_mask: { type: 'int64', dims: [1, count], data: new BigInt64Array(count).fill(1n) },
    };
    const shapes = { input_ids: [1, count], attention_mask: [1, count] };
    const on = await run('bert_mini', shapes, feeds);
    vi.stubEnv('KILN_DISABLE_PASSES', 'fuse-horizontal,eliminate-concats');
    const off = await run('bert_mini', shapes, feeds);
    const horizontal = on.log.filter((line) => /^Fused: .*query\/MatMul .*key\/MatMul .*value\/MatMul/.test(line));
    expect(horizontal).toHaveLength(2);
    expect(on.layers.filter((layer) => layer.type === 'MatrixMultiply' && layer.outputs.length === 3)).toHaveLength(2);
    expect(off.layers.length - on.layers.length).toBe(4);
    expect(Array.from(on.outputs.last_hidden_state!.data as Float32Array)).toEqual(Array.from(off.outputs.last_hidden_state!.data as Float32Array));
  }, 60_000);
});
