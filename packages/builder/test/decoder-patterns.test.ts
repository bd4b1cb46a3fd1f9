import { GraphBuilder, type Tensor, evaluate, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../src/index.js';
import { closeTo, randomFloat } from './helpers.js';

/** Builds the model, runs it on Kiln and on the reference evaluator, and returns the engine's layers. */
async function buildAndCompare(g: GraphBuilder, feeds: Record<string, Tensor>) {
  const model = g.toModel({ opset: 17 });
  const log: string[] = [];
  const engine = new Runtime().deserializeEngine(await buildEngine(save(model), { log: (line) => log.push(line) }));
  const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
  for (const output of engine.outputs) {
    const result = closeTo(mine[output.name]!, theirs[output.name]!, 1e-5, 1e-4);
    expect(result.ok, `${output.name}: ${result.message}`).toBe(true);
  }
  return { layers: engine.inspect().layers, log };
}

describe('decoder patterns (GPT-2 as exported)', () => {
  it('fuses the tanh GELU (x³ as Pow or as two Muls, either operand order) into the MatMul epilogue', async () => {
    for (const cube of ['pow', 'muls'] as const) {
      const g = new GraphBuilder('gelu_tanh');
      const x = g.input('x', 'float32', [2, 5, 16]);
      const h = g.layer('Add', [g.constant(randomFloat([24], 2)), g.layer('MatMul', [x, g.constant(randomFloat([16, 24], 1, 0.5))])]);
      const cubed = cube === 'pow' ? g.layer('Pow', [h, g.floats([3], [])]) : g.layer('Mul', [h, g.layer('Mul', [h, h])]);
      const inner = g.layer('Mul', [g.floats([Math.sqrt(2 / Math.PI)], []), g.layer('Add', [g.layer('Mul', [cubed, g.floats([0.044715], [])]), h])]);
      const y = g.layer('Mul', [g.layer('Mul', [h, g.floats([0.5], [])]), g.layer('Add', [g.floats([1], []), g.layer('Tanh', [inner])])]);
      g.output(g.layer('MatMul', [y, g.constant(randomFloat([24, 8], 3, 0.5))]));
      const { layers } = await buildAndCompare(g, { x: randomFloat([2, 5, 16], 4, 2) });
      expect(layers.filter((layer) => layer.type !== 'Reformat').map((layer) => layer.type), cube).toEqual(['MatrixMultiply', 'MatrixMultiply']);
      expect(layers[0]!.sources.length, cube).toBeGreaterThanOrEqual(9);
    }
  });

  it('rewrites Pow with a small constant exponent as Mul, Sqrt or Reciprocal, and leaves other exponents to Pow', async () => {
    const g = new GraphBuilder('pows');
    const x = g.input('x', 'float32', [3, 40]);
    const positive = g.layer('Add', [g.layer('Abs', [x]), g.floats([0.25], [])]);
    const terms = [2, 3, 0.5, -1, -0.5, 1, 2.5].map((e) => g.layer('Pow', [e === 2 || e === 3 ? x : positive, g.floats([e], [])]));
    g.output(terms.reduce((sum, term) => g.layer('Add', [sum, term])));
    const { layers, log } = await buildAndCompare(g, { x: randomFloat([3, 40], 5, 2) });
    expect(log.filter((line) => line.startsWith('Rewrote'))).toHaveLength(6);
    expect(layers.filter((layer) => layer.tactic.startsWith('f32_vbinary_pow'))).toHaveLength(1);
  });

  it('folds the scores scaling written after the attention MatMul (Div by √d) into the MatMul', async () => {
    const g = new GraphBuilder('scores');
    const q = g.input('q', 'float32', [1, 2, 6, 8]);
    const k = g.input('k', 'float32', [1, 2, 8, 6]);
    const scores = g.layer('Div', [g.layer('MatMul', [q, k]), g.floats([Math.sqrt(8)], [])]);
    g.output(g.layer('Softmax', [g.layer('Mul', [scores, g.floats([0.5], [])])], { axis: -1 }));
    const { layers } = await buildAndCompare(g, { q: randomFloat([1, 2, 6, 8], 6), k: randomFloat([1, 2, 8, 6], 7) });
    expect(layers.map((layer) => layer.type)).toEqual(['MatrixMultiply', 'Softmax']);
  });
});
