// Attention's small layers: fuse-softmax (Softmax(Add(x, mask)), Where(IsNaN(y), 0, y)) on
// hand-built graphs and on bert_mini; each rewrite fires, leaves graphs alone where an
// intermediate has another reader, and the built engine matches the reference evaluator.
import fs from 'node:fs';
import { type Model, type Node, type Tensor, evaluate, inferShapes, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { PassContext } from '../src/internal/pass.js';
import { BuilderConfig, NetworkDefinition, type NetworkTensor, buildEngine, buildSerializedNetwork } from '../src/index.js';
import { runPipeline } from '../src/pipeline.js';
import { closeTo, hasShared, randomFloat, seeded, sharedModel } from './helpers.js';

const [B, H, S] = [2, 3, 9];

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

async function expectMatchesReference(network: NetworkDefinition, atol = 1e-6) {
  const config = new BuilderConfig();
  config.verifyPasses = true;
  const range = (dims: number[]) => ({ min: [1, ...dims], opt: [B, ...dims], max: [4, ...dims] });
  const inputNames = network.graph.inputs.map((input) => input.name);
  config.addOptimizationProfile(Object.fromEntries(inputNames.map((name) => [name, range(name === 'scores' ? [H, S, S] : [1, S, S])])));
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
  expect(engine.inspect().layers.every((layer) => layer.tactic !== 'reference')).toBe(true);
  const context = engine.createExecutionContext();
  const inputs = feeds(21);
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

  it.skipIf(!hasShared)('fuses every bert_mini attention softmax and still matches the reference evaluator', async () => {
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
    expect(layers.some((layer) => /IsNaN|Where_1$/.test(layer.name))).toBe(false);
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
