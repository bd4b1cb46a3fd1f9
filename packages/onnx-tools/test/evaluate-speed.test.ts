// The reference evaluator is an oracle first, but it must stay usable on real models: mobilenet_v2
// at batch 8 is about 5 GFLOP and has to finish in seconds, not minutes. The FLOP count is taken
// from the model (2 x multiply-adds of every Conv and Gemm), the time is printed and bounded.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { evaluate, inferShapes, load, type Tensor } from '../src/index.js';
import { Constant } from '../src/internal/ir/index.js';
import { SHARED } from './shared.js';

const MODEL = join(SHARED, 'models', 'mobilenet_v2.onnx');
const BATCH = 8;

describe.skipIf(!existsSync(MODEL))('reference evaluator speed', () => {
  it(`evaluates mobilenet_v2 at batch ${BATCH} (~5 GFLOP) in seconds`, async () => {
    const model = await load(MODEL);
    const random = seededRandom(7);
    const input: Tensor = { type: 'float32', dims: [BATCH, 3, 224, 224], data: Float32Array.from({ length: BATCH * 3 * 224 * 224 }, () => random() * 2 - 1) };
    // Shapes of a second copy (inference writes them into the model it is given).
    const typed = await load(MODEL);
    inferShapes(typed, { inputShapes: { input: [...input.dims] } });
    let flops = 0;
    for (const node of typed.graph.nodes) {
      if (node.op !== 'Conv' && node.op !== 'Gemm') continue;
      const weight = node.inputs[1];
      const output = node.outputs[0]?.shape;
      if (!(weight instanceof Constant) || !output) continue;
      const perOutput = node.op === 'Conv' ? weight.shape.slice(1).reduce((a, b) => a * b, 1) : weight.shape[1]!;
      flops += 2 * perOutput * output.reduce((a: number, b) => a * Number(b), 1);
    }
    const started = performance.now();
    const { output } = await evaluate(model, { input });
    const seconds = (performance.now() - started) / 1000;
    console.log(`mobilenet_v2 batch ${BATCH}: ${(flops / 1e9).toFixed(2)} GFLOP in ${seconds.toFixed(2)} s (${(flops / 1e9 / seconds).toFixed(2)} GFLOP/s)`);
    expect(flops).toBeGreaterThan(4.5e9);
    expect(output?.dims).toEqual([BATCH, 1000]);
    expect(Array.from(output!.data as Float32Array).every(Number.isFinite)).toBe(true);
    // Seconds, not minutes, even on a busy shared machine.
    expect(seconds).toBeLessThan(30);
  }, 120_000);
});
