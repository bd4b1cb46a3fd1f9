// bf16_matmul (MatMul of two fp32 activations on bf16 tiles) through the executor: every runnable
// variant at 1 and 2 threads against the bf16 oracle (operands rounded to bfloat16, round to
// nearest even; exact products summed in double: the kernels' fp32 sums must stay within fp32
// accumulation error of it) and against fp32 within bf16's tolerance, over odd M/N/K, K below,
// at and above the AMX tile (32) and K block (512), batch broadcasting and 1-D operands.
import { afterAll, describe, expect, it } from 'vitest';
import { getThreads, kernels, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { randomFloats, rng, roundBf16Value, runLayer, SEED } from '../helpers/harness.js';
import { type MatmulResult, matmulReference } from '../helpers/matmul.js';

/** Fails at the element whose |y - expected| exceeds tolerance * sum_k |a·b| most (plus a tiny floor). */
function expectWithin(y: Float32Array, expected: MatmulResult, tolerance: number, label: string) {
  expect(y.length).toBe(expected.y.length);
  let worst = -1;
  let worstRatio = 1;
  for (let i = 0; i < y.length; i++) {
    const bound = tolerance * expected.magnitude[i]! + 1e-30;
    const ratio = Math.abs(y[i]! - expected.y[i]!) / bound;
    if (!(ratio <= worstRatio)) {
      worst = i;
      worstRatio = ratio;
    }
  }
  if (worst >= 0) {
    const delta = Math.abs(y[worst]! - expected.y[worst]!);
    throw new Error(`${label}: |Δ| ${delta.toExponential(2)} at [${worst}] (${y[worst]} vs ${expected.y[worst]}) > ${tolerance} x sum|a·b| ${expected.magnitude[worst]!.toExponential(2)} (seed ${SEED})`);
  }
}

/** A, B shapes: odd sizes, K around the 32-step tile and past the 512 K block, broadcasting, 1-D. */
const CASES: Array<[number[], number[]]> = [
  [[1, 4, 128, 64], [1, 4, 64, 128]],
  [[1, 4, 128, 128], [1, 4, 128, 64]],
  [[37, 45], [45, 29]],
  [[33, 32], [32, 33]],
  [[31, 31], [31, 31]],
  [[1, 1], [1, 1]],
  [[1, 7], [7, 1]],
  [[3, 1, 33, 70], [1, 4, 70, 47]],
  [[2, 5, 17, 33], [33, 65]],
  [[19, 40], [3, 40, 18]],
  [[2, 3, 40, 600], [600, 33]],
  [[65], [2, 65, 3]],
  [[2, 7, 31], [31]],
  [[50], [50]],
];

const variants = kernels().filter((k) => k.family === 'bf16_matmul');
const threadsBefore = getThreads();

describe('bf16_matmul', () => {
  afterAll(() => setThreads(threadsBefore));

  it('lists the AMX, AVX512-BF16 and scalar variants', () => {
    expect(variants.map((k) => k.name)).toEqual(['bf16_matmul_32x32__amx', 'bf16_matmul_14x32c2__avx512bf16', 'bf16_matmul_4x4c2__scalar']);
  });

  const inputs = CASES.map(([as, bs], index) => {
    const random = rng(SEED + 800 + index);
    const a = randomFloats(as.reduce((x, y) => x * y, 1), random, -2, 2);
    const b = randomFloats(bs.reduce((x, y) => x * y, 1), random, -2, 2);
    return { as, bs, a, b, bf16: matmulReference(a, as, b, bs, roundBf16Value), fp32: matmulReference(a, as, b, bs) };
  });
  for (const kernel of [...variants.map((k) => k.name), 'bf16_matmul']) {
    const info = variants.find((k) => k.name === kernel);
    for (const threads of [1, 2]) {
      it.skipIf(info !== undefined && !info.runnable)(`${kernel}, ${threads} thread(s): the bf16 product, within bf16 tolerance of fp32`, () => {
        setThreads(threads);
        let rounded = false;
        for (const { as, bs, a, b, bf16, fp32 } of inputs) {
          const y = runLayer({ kernel, inputs: [{ data: a, shape: as }, { data: b, shape: bs }], output: { shape: bf16.shape } }) as Float32Array;
          const label = `bf16_matmul ${kernel} [${as}]x[${bs}] at ${threads} thread(s)`;
          // fp32 sums of exact products: a few ulps of the largest partial sums, far below bf16's 2^-9.
          expectWithin(y, bf16, 2 ** -20, `${label} vs the bf16 oracle`);
          // Each operand rounded by at most 2^-9 relative: products within about 2^-8.
          expectWithin(y, fp32, 2 ** -7, `${label} vs fp32`);
          rounded ||= y.some((value, i) => value !== fp32.y[i]);
        }
        // The operands were rounded (an fp32 product would match fp32 to ~1e-7, failing nothing above).
        expect(rounded).toBe(true);
      });
    }
  }

  it('gives exact sums on every runnable variant when the operands are small integers', () => {
    // Operands already on the bf16 grid with small integer values: every sum is exact in fp32.
    const random = rng(SEED + 900);
    const as = [2, 45, 70];
    const bs = [70, 37];
    const a = Float32Array.from({ length: 2 * 45 * 70 }, () => Math.round(random() * 16 - 8));
    const b = Float32Array.from({ length: 70 * 37 }, () => Math.round(random() * 16 - 8));
    const expected = matmulReference(a, as, b, bs);
    for (const kernel of variants.filter((k) => k.runnable).map((k) => k.name)) {
      const y = runLayer({ kernel, inputs: [{ data: a, shape: as }, { data: b, shape: bs }], output: { shape: expected.shape } });
      expect(Array.from(y as Float32Array), kernel).toEqual(Array.from(expected.y));
    }
  });

  it('rejects bad shapes, dtypes and epilogues with coded errors', () => {
    const floats = (shape: number[]) => new Float32Array(shape.reduce((x, y) => x * y, 1));
    const run = (as: number[], bs: number[], ys: number[]) => () =>
      runLayer({ kernel: 'bf16_matmul', inputs: [{ data: floats(as), shape: as }, { data: floats(bs), shape: bs }], output: { shape: ys } });
    expect(expectCoded(run([2, 3, 4], [3, 4, 5], [3, 3, 5]), 'ERR_PROGRAM_INVALID').message).toMatch(/broadcast/);
    expect(expectCoded(run([3, 4], [4, 5], [3, 6]), 'ERR_PROGRAM_INVALID').message).toMatch(/output shape/);
    expect(expectCoded(run([3, 4], [5, 5], [3, 5]), 'ERR_PROGRAM_INVALID').message).toMatch(/inner dims/);
    const ints = () => runLayer({ kernel: 'bf16_matmul', inputs: [{ data: new Int32Array(12), shape: [3, 4] }, { data: floats([4, 5]), shape: [4, 5] }], output: { shape: [3, 5] } });
    expect(expectCoded(ints, 'ERR_PROGRAM_INVALID').message).toMatch(/dtype/);
    const fused = () => runLayer({ kernel: 'bf16_matmul', inputs: [{ data: floats([3, 4]), shape: [3, 4] }, { data: floats([4, 5]), shape: [4, 5] }], output: { shape: [3, 5] }, epilogue: [{ op: 'Relu' }] });
    expect(expectCoded(fused, 'ERR_PROGRAM_INVALID').message).toMatch(/epilogue/);
  });
});
