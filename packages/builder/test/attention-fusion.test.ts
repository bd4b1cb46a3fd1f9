// Attention's small layers: fuse-softmax (Softmax(Add(x, mask)), Where(IsNaN(y), 0, y)) and
// fuse-matmul-scale (MatMul(Mul(A, c1), Mul(B, c2))) on hand-built graphs and on bert_mini; each
// rewrite fires, leaves graphs alone where an intermediate has another reader, and the built
// engine (fp32 and bf16) matches the reference evaluator.
import fs from 'node:fs';
import { type Model, type Node, type Tensor, evaluate, inferShapes, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { PassContext } from '../src/internal/pass.js';
import { BuilderConfig, NetworkDefinition, type NetworkTensor, buildEngine, buildSerializedNetwork } from '../src/index.js';
import { runPipeline } from '../src/pipeline.js';
import { closeTo, hasShared, randomFloat, runsVector, seeded, sharedModel } from './helpers.js';

const [B, H, S, D] = [2, 3, 9, 16];

async function optimize(network: NetworkDefinition): Promise<Node[]> {
  const model: Model = await load(save(network.model));
  inferShapes(model);
  const context = new PassContext(model, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3 });
  await runPipeline(context);
  return context.model.graph.nodes;
}

const ops = (nodes: Node[]) => nodes.map((node) => (node.domain ? `${node.domain}.${node.op}` : node.op));
const scalar = (network: NetworkDefinition, value: number) => network.addConstant({ type: 'float32', dims: [], data: new Float32Array([value]) });

interface AttentionOptions {
  /** Mask shape: [B,1,S,S] from a bool input (default), or a constant [1,1,S,S]. */
  constantMask?: boolean;
  /** Add(mask, scores) instead of Add(scores, mask). */
  maskFirst?: boolean;
  /** Where(Not(IsNaN(p)), p, 0) instead of Where(IsNaN(p), 0, p). */
  notForm?: boolean;
  /** Mark these intermediates as graph outputs too: a second reader. */
  alsoOutput?: ('sum' | 'probabilities' | 'isnan')[];
}

/** scores [B,H,S,S] (+ mask) → Softmax → Where(IsNaN(·), 0, ·), as torch's SDPA export writes it. */
function attentionNetwork(options: AttentionOptions = {}): NetworkDefinition {
  const network = new NetworkDefinition();
  const scores = network.addInput('scores', 'float32', ['B', H, S, S]);
  let mask: NetworkTensor;
  if (options.constantMask) {
    const next = seeded(5);
    mask = network.addConstant({ type: 'float32', dims: [1, 1, S, S], data: Float32Array.from({ length: S * S }, (_, i) => (i < S || next() < 0.3 ? -Infinity : 0)) });
  } else {
    const keep = network.addInput('keep', 'bool', ['B', 1, S, S]);
    mask = network.layer('Where', [keep, scalar(network, 0), scalar(network, -Infinity)], {});
  }
  const sum = options.maskFirst ? network.addElementwise(mask, scores, 'Add') : network.addElementwise(scores, mask, 'Add');
  const probabilities = network.addSoftmax(sum, -1);
  const isNan = network.layer('IsNaN', [probabilities], {});
  const cleaned = options.notForm
    ? network.layer('Where', [network.layer('Not', [isNan], {}), probabilities, scalar(network, 0)], {})
    : network.layer('Where', [isNan, scalar(network, 0), probabilities], {});
  network.markOutput(cleaned, 'y');
  const extra = { sum, probabilities, isnan: isNan };
  for (const name of options.alsoOutput ?? []) network.markOutput(extra[name], name);
  return network;
}

function feeds(seed: number): Record<string, Tensor> {
  const scores = randomFloat([B, H, S, S], seed, 6);
  scores.data[S * S + 4] = Number.NaN; // a NaN score: its whole row is NaN, then 0
  const next = seeded(seed + 1);
  // Row 0 of every batch masked entirely: an all -inf row, NaN in plain Softmax.
  const keep = Uint8Array.from({ length: B * S * S }, (_, i) => (i % (S * S) < S ? 0 : next() < 0.7 ? 1 : 0));
  return { scores, keep: { type: 'bool', dims: [B, 1, S, S], data: keep } };
}

/** closeTo, where NaN must meet NaN and an infinity the same infinity. */
function expectClose(actual: Tensor, expected: Tensor, name: string, atol: number) {
  const [a, e] = [actual.data as Float32Array, expected.data as Float32Array];
  const special = (v: number) => Number.isNaN(v) || !Number.isFinite(v);
  for (let i = 0; i < e.length; i++) {
    if (special(e[i]!) || special(a[i]!)) expect(Object.is(a[i], e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i])), `${name} at ${i}: ${a[i]} vs ${e[i]}`).toBe(true);
  }
  const finite = (t: Tensor, values: Float32Array): Tensor => ({ ...t, data: values.map((v) => (special(v) ? 0 : v)) }) as Tensor;
  const result = closeTo(finite(actual, a), finite(expected, e), atol, 1e-5);
  expect(result.ok, `${name}: ${result.message}`).toBe(true);
}

async function expectMatchesReference(network: NetworkDefinition, atol = 1e-6, inputs = feeds(21), setup: (config: BuilderConfig) => void = () => {}) {
  const config = new BuilderConfig();
  config.verifyPasses = true;
  setup(config);
  const range = (dims: number[]) => ({ min: [1, ...dims], opt: [B, ...dims], max: [4, ...dims] });
  const inputNames = network.graph.inputs.map((input) => input.name);
  config.addOptimizationProfile(Object.fromEntries(inputNames.map((name) => [name, range(network.graph.inputs.find((input) => input.name === name)!.shape!.slice(1) as number[])])));
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
  expect(engine.inspect().layers.every((layer) => layer.tactic !== 'reference')).toBe(true);
  const context = engine.createExecutionContext();
  const usable = Object.fromEntries(Object.entries(inputs).filter(([name]) => engine.inputs.some((input) => input.name === name)));
  const [mine, theirs] = [context.runSync(usable), await evaluate(await load(save(network.model)), usable)];
  for (const name of Object.keys(theirs)) expectClose(mine[name]!, theirs[name]!, name, atol);
  return engine;
}

describe('fuse-softmax', () => {
  it('makes Add + Softmax + IsNaN + Where one softmax layer with a bias input and nan_to_zero', async () => {
    const nodes = await optimize(attentionNetwork());
    expect(ops(nodes)).toEqual(['Where', 'kiln.Softmax']);
    const softmax = nodes[1]!;
    expect(softmax.inputs.map((value) => value?.name)).toEqual(['scores', nodes[0]!.outputs[0]!.name]);
    expect(softmax.attributes.get('nan_to_zero')).toEqual({ type: 'int', value: 1 });
    const engine = await expectMatchesReference(attentionNetwork());
    const layer = engine.inspect().layers.find((entry) => entry.type === 'Softmax')!;
    expect(layer.tactic).toMatch(/^f32_softmax__/);
    expect(layer.sources).toHaveLength(4);
  });

  it.each([
    ['a constant [1,1,S,S] mask', { constantMask: true }],
    ['Add(mask, scores)', { maskFirst: true }],
    ['Where(Not(IsNaN(p)), p, 0)', { notForm: true }],
  ] as const)('fires for %s and matches the reference', async (_, options) => {
    const nodes = await optimize(attentionNetwork(options));
    expect(ops(nodes).filter((op) => op !== 'Where')).toEqual(['kiln.Softmax']);
    await expectMatchesReference(attentionNetwork(options));
  });

  it('keeps the Add when its sum has another reader, and the NaN select when the softmax output or IsNaN has one', async () => {
    expect(ops(await optimize(attentionNetwork({ alsoOutput: ['sum'] })))).toEqual(['Where', 'Add', 'kiln.Softmax']);
    expect(ops(await optimize(attentionNetwork({ alsoOutput: ['probabilities'] })))).toEqual(['Where', 'kiln.Softmax', 'IsNaN', 'Where']);
    expect(ops(await optimize(attentionNetwork({ alsoOutput: ['isnan'] })))).toEqual(['Where', 'kiln.Softmax', 'IsNaN', 'Where']);
    await expectMatchesReference(attentionNetwork({ alsoOutput: ['sum', 'probabilities'] }));
  });

  it("leaves a classifier's bias Add to the GEMM epilogue", async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', ['B', D]);
    const logits = network.addMatrixMultiply(x, network.addConstant(randomFloat([D, 5], 6)));
    network.markOutput(network.addSoftmax(network.addElementwise(logits, network.addConstant(randomFloat([5], 7)), 'Add'), -1), 'y');
    expect(ops(await optimize(network))).toEqual(['kiln.FusedGemm', 'Softmax']);
  });

  it('takes the bias into a LogSoftmax too (NaN rows stay NaN: no flag there)', async () => {
    const network = new NetworkDefinition();
    const scores = network.addInput('scores', 'float32', ['B', H, S, S]);
    const keep = network.addInput('keep', 'bool', ['B', 1, S, S]);
    const mask = network.layer('Where', [keep, scalar(network, 0), scalar(network, -Infinity)], {});
    network.markOutput(network.layer('LogSoftmax', [network.addElementwise(scores, mask, 'Add')], { axis: { type: 'int', value: -1 } }), 'y');
    const nodes = await optimize(network);
    expect(ops(nodes)).toEqual(['Where', 'kiln.Softmax']);
    expect(nodes[1]!.attributes.get('log')).toEqual({ type: 'int', value: 1 });
    await expectMatchesReference(network, 1e-5);
  });

  it('leaves a softmax over an inner axis with its Add, and a bias that would broadcast the scores up', async () => {
    const inner = new NetworkDefinition();
    const x = inner.addInput('scores', 'float32', ['B', H, S, S]);
    inner.markOutput(inner.addSoftmax(inner.addElementwise(x, inner.addConstant(randomFloat([S, S], 3)), 'Add'), 2), 'y');
    expect(ops(await optimize(inner))).toEqual(['Add', 'Softmax']);
    const wider = new NetworkDefinition();
    const row = wider.addInput('scores', 'float32', ['B', 1, 1, S]);
    wider.markOutput(wider.addSoftmax(wider.addElementwise(row, wider.addConstant(randomFloat([1, H, S, S], 4)), 'Add'), -1), 'y');
    expect(ops(await optimize(wider))).toEqual(['Add', 'Softmax']);
  });

  it.skipIf(!hasShared)('fuses every bert_mini attention softmax and score scaling and still matches the reference evaluator', async () => {
    const file = sharedModel('bert_mini');
    const plan = await buildEngine(file, { shapes: { input_ids: [1, 16], attention_mask: [1, 16] } });
    const engine = new Runtime().deserializeEngine(plan);
    const layers = engine.inspect().layers;
    const softmaxes = layers.filter((layer) => layer.type === 'Softmax');
    expect(softmaxes.length).toBeGreaterThan(0);
    for (const layer of softmaxes) {
      expect(layer.inputs).toHaveLength(2);
      expect(layer.sources.some((name) => /IsNaN$/.test(name))).toBe(true);
      expect(layer.sources.some((name) => /self\/Add$/.test(name))).toBe(true);
    }
    expect(layers.some((layer) => /IsNaN|Where_1$|self\/Mul(_1)?$/.test(layer.name))).toBe(false);
    const scores = layers.filter((layer) => /self\/MatMul$/.test(layer.name));
    expect(scores.length).toBe(softmaxes.length);
    for (const layer of scores) expect(layer.sources.filter((name) => /self\/Mul(_1)?$/.test(name))).toHaveLength(2);
    const next = seeded(9);
    const mask = BigInt64Array.from({ length: 16 }, (_, i) => (i < 11 ? 1n : 0n));
    const inputs: Record<string, Tensor> = {
      input_ids: { type: 'int64', dims: [1, 16], data: BigInt64Array.from({ length: 16 }, () => BigInt(Math.floor(next() * 4096))) },
      attention_mask: { type: 'int64', dims: [1, 16], data: mask },
    };
    const model = await load(new Uint8Array(fs.readFileSync(file)));
    const [mine, theirs] = [engine.createExecutionContext().runSync(inputs), await evaluate(model, inputs)];
    for (const name of Object.keys(theirs)) {
      const result = closeTo(mine[name]!, theirs[name]!, 2e-4, 1e-3);
      expect(result.ok, `${name}: ${result.message}`).toBe(true);
    }
  });
});


interface ScaledOptions {
  /** Which operands get a Mul by a scalar (and on which side the constant sits). */
  scaleA?: 'left' | 'right';
  scaleB?: 'left' | 'right';
  /** The A Mul's output is a graph output too. */
  exposeA?: boolean;
  /** A per-column [D] constant instead of a scalar on A. */
  vectorA?: boolean;
}

/** MatMul(Mul(q, c1), Mul(c2, kᵀ)) over inputs q [B,H,S,D] and kt [B,H,D,S]: SDPA's split 1/√D. */
function scaledNetwork(options: ScaledOptions = { scaleA: 'right', scaleB: 'left' }): NetworkDefinition {
  const network = new NetworkDefinition();
  const q = network.addInput('q', 'float32', ['B', H, S, D]);
  const kt = network.addInput('kt', 'float32', ['B', H, D, S]);
  const c = Math.sqrt(1 / Math.sqrt(D));
  const scale = (value: NetworkTensor, side: 'left' | 'right' | undefined, vector = false) => {
    if (side === undefined) return value;
    const constant = vector ? network.addConstant(randomFloat([D], 8)) : scalar(network, c);
    return side === 'left' ? network.addElementwise(constant, value, 'Mul') : network.addElementwise(value, constant, 'Mul');
  };
  const a = scale(q, options.scaleA, options.vectorA);
  if (options.exposeA) network.markOutput(a, 'a');
  network.markOutput(network.addMatrixMultiply(a, scale(kt, options.scaleB)), 'y');
  return network;
}

const scaledFeeds = (seed: number): Record<string, Tensor> => ({ q: randomFloat([B, H, S, D], seed, 2), kt: randomFloat([B, H, D, S], seed + 1, 2) });

describe('fuse-matmul-scale', () => {
  it('makes MatMul(Mul(A, c1), Mul(c2, B)) one MatMul with alpha = c1 · c2, within a few ulps of the reference', async () => {
    const nodes = await optimize(scaledNetwork());
    expect(ops(nodes)).toEqual(['kiln.MatMul']);
    const c = Math.fround(Math.sqrt(1 / Math.sqrt(D)));
    expect(nodes[0]!.attributes.get('alpha')).toEqual({ type: 'float', value: c * c });
    const engine = await expectMatchesReference(scaledNetwork(), 1e-5, scaledFeeds(31));
    const layer = engine.inspect().layers.find((entry) => entry.type === 'MatrixMultiply')!;
    expect(layer.tactic).toMatch(/^f32_matmul__/);
    expect(layer.sources).toHaveLength(3);
  });

  it.each([
    ['only A scaled, constant on the left', { scaleA: 'left' }],
    ['only B scaled, constant on the right', { scaleB: 'right' }],
  ] as const)('fires with %s', async (_, options) => {
    expect(ops(await optimize(scaledNetwork(options)))).toEqual(['kiln.MatMul']);
    await expectMatchesReference(scaledNetwork(options), 1e-5, scaledFeeds(32));
  });

  it('keeps a Mul whose output has another reader, and a Mul by a non-scalar', async () => {
    expect(ops(await optimize(scaledNetwork({ scaleA: 'right', scaleB: 'left', exposeA: true })))).toEqual(['Mul', 'kiln.MatMul']);
    await expectMatchesReference(scaledNetwork({ scaleA: 'right', scaleB: 'left', exposeA: true }), 1e-5, scaledFeeds(33));
    expect(ops(await optimize(scaledNetwork({ scaleA: 'right', vectorA: true })))).toEqual(['Mul', 'MatMul']);
  });

  it('leaves a MatMul with constant weights to the GEMM fusion', async () => {
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [4, D]);
    network.markOutput(network.addMatrixMultiply(network.addElementwise(x, scalar(network, 0.5), 'Mul'), network.addConstant(randomFloat([D, 8], 2))), 'y');
    expect(ops(await optimize(network))).not.toContain('kiln.MatMul');
  });

  it('runs alpha on the bf16 MatMul tactics in a bf16 build, within bf16 tolerance', async () => {
    const engine = await expectMatchesReference(scaledNetwork(), 0.05, scaledFeeds(34), (config) => {
      config.bf16 = true;
      config.builderOptimizationLevel = 0;
    });
    const layer = engine.inspect().layers.find((entry) => entry.type === 'MatrixMultiply')!;
    expect(layer.sources).toHaveLength(3);
    if (runsVector('bf16_matmul')) expect(layer.tactic).toMatch(/^bf16_matmul_/);
  });
});
