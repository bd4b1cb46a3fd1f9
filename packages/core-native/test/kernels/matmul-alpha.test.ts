// MatMul layers between activations with alpha (params [alpha]): Y = alpha · A·B with alpha
// multiplying the fp32 sums, so every variant of f32_matmul and bf16_matmul gives exactly
// fround(alpha · its own unscaled output), on tiles read in place and packed, K over several
// cache blocks, broadcast batches, 1 and 2 threads; and the scaled output is A·B to tolerance.
import { afterAll, describe, expect, it } from 'vitest';
import { getThreads, kernels, setThreads } from '../../src/index.js';
import { expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';
import { matmulReference } from '../helpers/matmul.js';

const CASES: Array<[number[], number[]]> = [
  [[1, 4, 128, 64], [1, 4, 64, 128]], // attention scores: Q·Kᵀ
  [[2, 3, 17, 33], [1, 3, 33, 5]], // few B panels: A read in place
  [[400, 700], [700, 160]], // K over several K blocks, many panels, tall rows: A packed
  [[2, 5, 8], [8]],
];
const ALPHAS = [0.125, -1.75, 3];
const variants = kernels().filter((k) => k.family === 'f32_matmul' || k.family === 'bf16_matmul');
const threadsBefore = getThreads();
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('MatMul alpha', () => {
  afterAll(() => setThreads(threadsBefore));

  for (const { name, runnable, family } of variants) {
    for (const threads of [1, 2]) {
      it.skipIf(!runnable)(`${name}, ${threads} thread(s): alpha multiplies the sums`, () => {
        setThreads(threads);
        CASES.forEach(([as, bs], index) => {
          const random = rng(700 + index);
          const a = randomFloats(count(as), random, -1, 1);
          const b = randomFloats(count(bs), random, -1, 1);
          const reference = matmulReference(a, as, b, bs);
          const run = (params?: number[]) =>
            runLayer({ kernel: name, inputs: [{ data: a, shape: as }, { data: b, shape: bs }], output: { shape: reference.shape }, params }) as Float32Array;
          const plain = run();
          for (const alpha of ALPHAS) {
            const scaled = run([alpha]);
            expectClose(scaled, plain.map((v) => Math.fround(alpha * v)), `${name} [${as}]x[${bs}] alpha ${alpha} vs alpha·own`, 0, 0);
            const tolerance = family === 'bf16_matmul' ? 3e-2 : 2e-4;
            expectClose(scaled, reference.y.map((v) => alpha * v), `${name} [${as}]x[${bs}] alpha ${alpha} vs reference`, tolerance * Math.abs(alpha) * Math.sqrt(as.at(-1)!), tolerance);
          }
          expectClose(run([1]), plain, `${name} alpha 1`, 0, 0);
        });
      });
    }
  }

  it('rejects a non-finite alpha and more than one param', () => {
    const run = (params: number[]) => () =>
      runLayer({ kernel: 'f32_matmul', inputs: [{ data: new Float32Array(12), shape: [3, 4] }, { data: new Float32Array(20), shape: [4, 5] }], output: { shape: [3, 5] }, params });
    expect(run([Number.POSITIVE_INFINITY])).toThrow(/alpha must be finite/);
    expect(run([1, 2])).toThrow(/Wrong number of params/);
  });
});
