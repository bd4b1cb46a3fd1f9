// f32_matmul (MatMul of two activations) through the executor: numpy batch broadcasting and
// ONNX 1-D promotion, every runnable ISA variant against a plain JS reference.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/index.js';
import { expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';
import { matmulReference } from '../helpers/matmul.js';

const CASES: Array<[number[], number[]]> = [
  [[5, 8], [8, 6]],
  [[2, 4, 5, 8], [2, 4, 8, 6]],
  [[3, 1, 5, 8], [1, 4, 8, 6]],
  [[5, 8], [2, 8, 3]],
  [[2, 3, 7, 9], [9, 11]],
  [[8], [2, 8, 3]],
  [[2, 5, 8], [8]],
  [[8], [8]],
  [[1, 4, 16, 64], [1, 4, 64, 16]],
  [[2, 4, 17, 17], [2, 4, 17, 64]],
];

describe('f32_matmul', () => {
  const variants = kernels().filter((k) => k.family === 'f32_matmul');
  it('has avx512, avx2 and scalar variants', () => {
    expect(variants.map((k) => k.name)).toEqual(['f32_matmul__avx512', 'f32_matmul__avx2', 'f32_matmul__scalar']);
  });
  for (const kernel of [...variants.map((k) => k.name), 'f32_matmul']) {
    const info = variants.find((k) => k.name === kernel);
    it.skipIf(info !== undefined && !info.runnable)(`${kernel} matches numpy matmul with broadcasting`, () => {
      CASES.forEach(([as, bs], index) => {
        const random = rng(500 + index);
        const a = randomFloats(as.reduce((x, y) => x * y, 1), random, -1, 1);
        const b = randomFloats(bs.reduce((x, y) => x * y, 1), random, -1, 1);
        const expected = matmulReference(a, as, b, bs);
        const y = runLayer({ kernel, inputs: [{ data: a, shape: as }, { data: b, shape: bs }], output: { shape: expected.shape } });
        expectClose(y as Float32Array, expected.y, `MatMul ${kernel} [${as}]x[${bs}]`, 2e-4, 2e-4);
      });
    });
  }
  it('rejects non-broadcastable batch dims and a wrong output shape', () => {
    const run = (as: number[], bs: number[], ys: number[]) => () =>
      runLayer({ kernel: 'f32_matmul', inputs: [{ data: new Float32Array(as.reduce((x, y) => x * y, 1)), shape: as }, { data: new Float32Array(bs.reduce((x, y) => x * y, 1)), shape: bs }], output: { shape: ys } });
    expect(run([2, 3, 4], [3, 4, 5], [3, 3, 5])).toThrow(/broadcast/);
    expect(run([3, 4], [4, 5], [3, 6])).toThrow(/output shape/);
    expect(run([3, 4], [5, 5], [3, 5])).toThrow(/inner dims/);
  });
});
