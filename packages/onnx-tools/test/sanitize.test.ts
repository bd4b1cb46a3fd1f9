// sanitize() must never change what a model computes: evaluate the shared models before and
// after folding with small fixed inputs. Needs the reference ops for every op in the models.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Tensor, evaluate, load, sanitize, save } from '../src/index.js';
import { compareTensors } from '../src/internal/evaluate/compare.js';
import { join } from 'node:path';
import { SHARED } from './shared.js';

const MODELS = join(SHARED, 'models');

function pattern(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 0.5);
}

const FEEDS: Record<string, Record<string, Tensor>> = {
  squeezenet1_1: { input: { type: 'float32', dims: [1, 3, 64, 64], data: pattern(3 * 64 * 64) } },
  mobilenet_v2: { input: { type: 'float32', dims: [1, 3, 32, 32], data: pattern(3 * 32 * 32) } },
  bert_mini: {
    input_ids: { type: 'int64', dims: [1, 8], data: BigInt64Array.from([101, 7, 42, 999, 3, 17, 2048, 102], BigInt) },
    attention_mask: { type: 'int64', dims: [1, 8], data: new BigInt64Array(8).fill(1n) },
  },
};

describe('sanitize() keeps model outputs', () => {
  for (const [name, feeds] of Object.entries(FEEDS)) {
    it(name, async () => {
      const model = await load(readFileSync(`${MODELS}/${name}.onnx`));
      const before = await evaluate(model, feeds);
      const folded = await sanitize(model);
      const after = await evaluate(await load(save(folded)), feeds);
      for (const [output, tensor] of Object.entries(before)) {
        expect(compareTensors(after[output], tensor, `${name} ${output}`, 1e-5, 1e-6)).toBeUndefined();
      }
      expect(folded.graph.nodes.length).toBeLessThanOrEqual(model.graph.nodes.length);
    }, 120_000);
  }
});

describe('sanitize() folding', () => {
  function shapeChain() {
    const g = new GraphBuilder('fold');
    const x = g.input('x', 'float32', [2, 3, 4]);
    const shape = g.layer('Shape', [x]);
    const flat = g.layer('Reshape', [x, g.layer('Concat', [g.layer('Slice', [shape, g.ints([0]), g.ints([1])]), g.ints([-1])], { axis: 0 })]);
    const sum = g.add(g.floats([1, 2, 3]), g.floats([10, 20, 30]));
    g.output(flat);
    g.output(g.mul(g.layer('Unsqueeze', [sum, g.ints([0])]), g.floats([2])));
    return g.toModel({ opset: 17 });
  }

  it('folds constant subexpressions and Shape of a static shape, and respects foldSizeThreshold', async () => {
    const folded = await sanitize(shapeChain());
    expect(folded.graph.nodes.map((n) => n.op)).toEqual(['Reshape']);
    const x: Tensor = { type: 'float32', dims: [2, 3, 4], data: pattern(24) };
    const before = await evaluate(shapeChain(), { x });
    const after = await evaluate(folded, { x });
    for (const key of Object.keys(before)) expect(compareTensors(after[key], before[key] as Tensor, key)).toBeUndefined();

    const limited = await sanitize(shapeChain(), { foldSizeThreshold: 8 });
    expect(limited.graph.nodes.map((n) => n.op)).toContain('Mul');
  });
});
