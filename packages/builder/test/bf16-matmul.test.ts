// MatMul between two activations in reduced-precision builds: where bf16 may run (the bf16 or best
// flag, per-layer constraints), the attention MatMuls get the bf16_matmul tactics as candidates
// beside f32_matmul's and tactic timing chooses; fp32, fp16 and int8 builds never use them.
import { kernels } from '@kiln/core-native';
import { type Model, type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { closeTo, cosine, randomFloat } from './helpers.js';

const HEADS = 4;
const SEQUENCE = 48;
const WIDTH = 40;

/** softmax(Q·Kᵀ / sqrt(d))·V over HEADS heads, Q, K and V network inputs. */
function attention(): NetworkDefinition {
  const n = new NetworkDefinition();
  const shape = [1, HEADS, SEQUENCE, WIDTH];
  const [q, k, v] = ['q', 'k', 'v'].map((name) => n.addInput(name, 'float32', shape));
  const scale = n.addConstant({ type: 'float32', dims: [], data: new Float32Array([1 / Math.sqrt(WIDTH)]) });
  const scores = n.addElementwise(n.addMatrixMultiply(q!, k!, { transposeB: true }), scale, 'Mul');
  n.markOutput(n.addMatrixMultiply(n.addSoftmax(scores), v!), 'y');
  return n;
}

const feeds: Record<string, Tensor> = Object.fromEntries(['q', 'k', 'v'].map((name, i) => [name, randomFloat([1, HEADS, SEQUENCE, WIDTH], 40 + i, 2)]));
const bf16Tactics = kernels().filter((kernel) => kernel.family === 'bf16_matmul' && kernel.runnable && kernel.isa !== 'scalar').map((kernel) => kernel.name);

function config(setup: (c: BuilderConfig) => void, lines: string[] = []): BuilderConfig {
  const c = new BuilderConfig();
  c.builderOptimizationLevel = 0;
  c.log = (line) => lines.push(line);
  setup(c);
  return c;
}

async function build(setup: (c: BuilderConfig) => void, lines: string[] = []): Promise<{ y: Tensor; matmuls: { name: string; tactic: string }[] }> {
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(attention(), config(setup, lines)));
  const out = await engine.createExecutionContext().run(feeds);
  const matmuls = engine.inspect().layers.filter((layer) => /_matmul/.test(layer.tactic)).map((layer) => ({ name: layer.name, tactic: layer.tactic }));
  return { y: out.y!, matmuls };
}

async function reference(model: Model): Promise<Tensor> {
  return (await evaluate(model, feeds)).y!;
}

describe('bf16 MatMul between activations', () => {
  it('bf16 at level 0: both attention MatMuls run bf16_matmul, within bf16 tolerance of fp32', async () => {
    const { y, matmuls } = await build((c) => { c.bf16 = true; });
    expect(matmuls).toHaveLength(2);
    for (const { tactic } of matmuls) expect(tactic).toMatch(bf16Tactics[0] ?? /^f32_matmul/);
    const want = await reference(await load(save(attention().model)));
    const close = closeTo(y, want, 2e-2, 2e-2);
    expect(close.ok, close.message).toBe(true);
    expect(cosine(y.data as Float32Array, want.data as Float32Array)).toBeGreaterThan(0.9999);
  });

  it('bf16 timed (level 3): bf16_matmul and f32_matmul are both timed and the faster one is kept', async () => {
    const lines: string[] = [];
    const { matmuls } = await build((c) => { c.bf16 = true; c.builderOptimizationLevel = 3; }, lines);
    for (const { name, tactic } of matmuls) {
      const line = lines.find((entry) => entry.startsWith(`Tactic: ${name} → `) && entry.includes('timed'));
      expect(line, `timing log of ${name}`).toBeDefined();
      const timed = Object.fromEntries([...line!.matchAll(/(\w+__\w+) ([\d.]+)/g)].map((match) => [match[1]!, Number(match[2])]));
      for (const candidate of bf16Tactics) expect(Object.keys(timed)).toContain(candidate);
      expect(Object.keys(timed).some((candidate) => candidate.startsWith('f32_matmul'))).toBe(true);
      // The kept tactic is within the selection's 3% of the fastest timed one (the log rounds each to 0.1 us).
      expect(timed[tactic]!).toBeLessThanOrEqual(Math.min(...Object.values(timed)) * 1.03 + 1e-4);
    }
  });

  for (const [flag, setup] of [
    ['fp32', () => {}],
    ['fp16', (c: BuilderConfig) => { c.fp16 = true; }],
    ['int8', (c: BuilderConfig) => { c.int8 = true; }],
  ] as const) {
    it(`${flag} (timed): never offers bf16_matmul`, async () => {
      const lines: string[] = [];
      const { matmuls } = await build((c) => { setup(c); c.builderOptimizationLevel = 3; }, lines);
      expect(matmuls.map((layer) => layer.tactic).every((tactic) => tactic.startsWith('f32_matmul'))).toBe(true);
      expect(lines.some((line) => line.includes('bf16_matmul'))).toBe(false);
    });
  }

  it('per-layer constraints: fp32 keeps a layer off bf16; obey bf16 puts it there; obey fp16 has no kernel', async () => {
    const { matmuls } = await build(() => {});
    const [first, second] = matmuls.map((layer) => layer.name) as [string, string];
    const kept = await build((c) => { c.bf16 = true; c.precisionConstraints = 'obey'; c.layerPrecisions = { [first]: 'fp32' }; });
    expect(kept.matmuls.find((layer) => layer.name === first)!.tactic).toMatch(/^f32_matmul/);
    expect(kept.matmuls.find((layer) => layer.name === second)!.tactic).toMatch(bf16Tactics[0] ?? /^f32_matmul/);
    const obey = () => build((c) => { c.precisionConstraints = 'obey'; c.layerPrecisions = { [second]: 'bf16' }; });
    if (bf16Tactics.length === 0) {
      await expect(obey()).rejects.toMatchObject({ code: 'ERR_PRECISION' });
    } else {
      const forced = await obey();
      expect(forced.matmuls.find((layer) => layer.name === first)!.tactic).toMatch(/^f32_matmul/);
      expect(forced.matmuls.find((layer) => layer.name === second)!.tactic).toBe(bf16Tactics[0]);
    }
    await expect(build((c) => { c.precisionConstraints = 'obey'; c.layerPrecisions = { [second]: 'fp16' }; })).rejects.toMatchObject({ code: 'ERR_PRECISION' });
  });
});
