// f32_softmax with an additive bias (every broadcast form the row addressing takes) and the
// NaN-to-zero flag, every variant (scalar included) against a plain reference of the unfused ONNX
// graph Where(IsNaN(Softmax(x + bias)), 0, ·): rows of all -inf, NaN inputs, 1 and 2 threads.
import { afterAll, describe, expect, it } from 'vitest';
import { getThreads, kernels, setThreads } from '../../src/index.js';
import { expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Softmax over the last axis of x + bias (numpy broadcasting), optionally NaN → 0. */
function reference(x: Float32Array, shape: number[], bias: Float32Array | undefined, biasShape: number[], nanToZero: boolean): Float32Array {
  const n = shape.at(-1)!;
  const rank = shape.length;
  const strides: number[] = new Array(rank).fill(0);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    const d = i >= rank - biasShape.length ? biasShape[i - (rank - biasShape.length)]! : 1;
    strides[i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  const z = new Float64Array(x.length);
  for (let flat = 0; flat < x.length; flat++) {
    let rest = flat;
    let at = 0;
    for (let i = rank - 1; i >= 0; i--) {
      at += (rest % shape[i]!) * strides[i]!;
      rest = Math.floor(rest / shape[i]!);
    }
    z[flat] = Math.fround(x[flat]! + (bias ? bias[at]! : 0));
  }
  const y = new Float32Array(x.length);
  for (let r = 0; r < x.length / n; r++) {
    const row = z.subarray(r * n, (r + 1) * n);
    const max = row.reduce((a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : Math.max(a, b)), -Infinity);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < n; k++) {
      const v = e[k]! / sum;
      y[r * n + k] = nanToZero && Number.isNaN(v) ? 0 : v;
    }
  }
  return y;
}

const CASES: Array<{ x: number[]; bias: number[] }> = [
  { x: [2, 4, 16, 16], bias: [2, 1, 16, 16] },
  { x: [2, 4, 17, 17], bias: [1, 1, 17, 17] },
  { x: [1, 3, 5, 33], bias: [33] },
  { x: [2, 3, 7, 47], bias: [2, 3, 7, 47] },
  { x: [2, 3, 7, 9], bias: [2, 1, 7, 1] },
  { x: [3, 129], bias: [1] },
  { x: [2, 2, 1, 128], bias: [2, 1, 1, 128] },
  { x: [4, 1], bias: [4, 1] },
];

const variants = kernels().filter((k) => k.family === 'f32_softmax');
const threadsBefore = getThreads();

describe('f32_softmax with bias and nan_to_zero', () => {
  afterAll(() => setThreads(threadsBefore));

  it('lists a scalar reference', () => {
    expect(variants.map((k) => k.name)).toContain('f32_softmax__scalar');
  });

  for (const { name, runnable } of variants) {
    for (const threads of [1, 2]) {
      for (const c of CASES) {
        it.skipIf(!runnable)(`${name} x ${JSON.stringify(c.x)} bias ${JSON.stringify(c.bias)}, ${threads} thread(s)`, () => {
          setThreads(threads);
          const random = rng();
          const x = randomFloats(count(c.x), random, -8, 8);
          const bias = randomFloats(count(c.bias), random, -4, 4);
          // A masked bias: -inf in about a third of the places, and in the whole first row when it has one.
          for (let i = 0; i < bias.length; i++) if (random() < 0.3 || i < c.bias.at(-1)!) bias[i] = -Infinity;
          const n = c.x.at(-1)!;
          if (x.length > 2 * n) x[n + 1] = Number.NaN; // a NaN in row 1 makes that row NaN
          for (const nanToZero of [0, 1]) {
            const got = runLayer({
              kernel: name,
              inputs: [{ data: x, shape: c.x }, { data: bias, shape: c.bias }],
              output: { shape: c.x },
              params: [-1, nanToZero],
            }) as Float32Array;
            const want = reference(x, c.x, bias, c.bias, nanToZero === 1);
            expectClose(got, want, `${name} bias ${JSON.stringify(c.bias)} nan_to_zero ${nanToZero}`, 1e-6, 2e-5);
            if (nanToZero === 1) expect(got.some(Number.isNaN)).toBe(false);
          }
        });
      }

      it.skipIf(!runnable)(`${name} nan_to_zero without bias, last and inner axis, ${threads} thread(s)`, () => {
        setThreads(threads);
        const random = rng();
        const shape = [3, 5, 19];
        const x = randomFloats(count(shape), random, -8, 8);
        x.fill(-Infinity, 0, 19); // row 0 all -inf
        x[40] = Number.NaN; // row 2
        const got = runLayer({ kernel: name, inputs: [{ data: x, shape }], output: { shape }, params: [2, 1] }) as Float32Array;
        expectClose(got, reference(x, shape, undefined, [], true), `${name} nan_to_zero`, 1e-6, 2e-5);
        expect(Array.from(got.subarray(0, 19))).toEqual(new Array(19).fill(0));
        expect(Array.from(got.subarray(38, 57))).toEqual(new Array(19).fill(0));
        // Along a middle axis (strided rows): every NaN becomes 0, the rest is plain softmax.
        const plain = runLayer({ kernel: name, inputs: [{ data: x, shape }], output: { shape }, params: [1] }) as Float32Array;
        const flagged = runLayer({ kernel: name, inputs: [{ data: x, shape }], output: { shape }, params: [1, 1] }) as Float32Array;
        expect(plain.some(Number.isNaN)).toBe(true);
        expect(Array.from(flagged)).toEqual(Array.from(plain, (v) => (Number.isNaN(v) ? 0 : v)));
      });
    }
  }

  it('rejects a bias that does not broadcast, a bias on an inner axis and the flag on log-softmax', () => {
    const x = { data: new Float32Array(24), shape: [2, 3, 4] };
    const run = (kernel: string, bias: number[], params: number[]) => () =>
      runLayer({ kernel, inputs: [x, { data: new Float32Array(count(bias)), shape: bias }], output: { shape: x.shape }, params });
    expect(run('f32_softmax__scalar', [3, 3], [-1, 0])).toThrow(/does not broadcast/);
    expect(run('f32_softmax__scalar', [2, 3, 4], [1, 0])).toThrow(/last axis/);
    expect(run('f32_logsoftmax__scalar', [4], [-1, 1])).toThrow(/nan_to_zero/);
    expect(run('f32_softmax__scalar', [4], [-1, 2])).toThrow(/0 or 1/);
  });
});
