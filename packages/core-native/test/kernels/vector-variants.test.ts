// Every fast variant against the scalar reference over size sweeps (below/at/above/multiples of
// the 8- and 16-lane widths, odd and prime sizes, broadcast shapes, strided axes). Variants this
// host cannot run are skipped, not failed.
import { describe, expect, it } from 'vitest';
import { allIsas, randomFloats, rng, runLayer } from '../helpers/harness.js';
import { expectClose } from '../helpers/harness.js';

const SIZES = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65, 97, 127, 128, 129, 255, 257, 1000, 4095, 4096, 4097, 10007];
const BINARY = ['add', 'sub', 'mul', 'div', 'max', 'min', 'pow'] as const;
const UNARY: Array<{ op: string; alpha?: number; beta?: number; lo?: number; hi?: number; atol?: number }> = [
  { op: 'Relu' },
  { op: 'Clip', alpha: -1.5, beta: 2 },
  { op: 'LeakyRelu', alpha: 0.1 },
  { op: 'Sigmoid', lo: -30, hi: 30 },
  { op: 'Tanh', lo: -12, hi: 12 },
  { op: 'SiLU', lo: -20, hi: 20 },
  { op: 'HardSwish' },
  { op: 'HardSigmoid' },
  { op: 'Gelu', lo: -8, hi: 8 },
  { op: 'GeluTanh', lo: -8, hi: 8 },
  { op: 'Exp', lo: -80, hi: 80 },
  { op: 'Log', lo: 1e-6, hi: 1e6 },
  { op: 'Sqrt', lo: 0, hi: 1e4 },
  { op: 'Erf', lo: -5, hi: 5 },
  { op: 'Neg' },
  { op: 'Abs' },
  { op: 'Reciprocal', lo: 0.01, hi: 10 },
  { op: 'Floor', lo: -50, hi: 50 },
  { op: 'Ceil', lo: -50, hi: 50 },
  { op: 'Round', lo: -50, hi: 50 },
  { op: 'Sign' },
  { op: 'Sin', lo: -100, hi: 100 },
  { op: 'Cos', lo: -100, hi: 100 },
  { op: 'Softplus', lo: -30, hi: 30 },
  { op: 'Softsign', lo: -30, hi: 30 },
  { op: 'Elu', alpha: 0.7, lo: -10, hi: 10 },
  { op: 'Selu', alpha: 1.6732632, beta: 1.050701, lo: -10, hi: 10 },
  { op: 'Mish', lo: -20, hi: 20 },
  { op: 'ThresholdedRelu', alpha: 0.5 },
];

function variants(family: string) {
  return allIsas(family).map(({ isa, runnable }) => ({ isa, runnable }));
}

describe.each(variants('f32_vunary'))('f32_vunary__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each(UNARY)('$op matches the scalar reference', (step) => {
    const random = rng();
    for (const n of SIZES) {
      const x = randomFloats(n, random, step.lo ?? -6, step.hi ?? 6);
      const run = (v: string) =>
        runLayer({ kernel: `f32_vunary__${v}`, inputs: [{ data: x, shape: [n] }], output: { shape: [n] }, epilogue: [{ op: step.op as 'Relu', alpha: step.alpha, beta: step.beta }] });
      expectClose(run(isa) as Float32Array, run('scalar') as Float32Array, `f32_vunary ${step.op} ${isa} n=${n}`, 2e-6, 2e-5);
    }
  });
});

const BROADCASTS: Array<[number[], number[], number[]]> = [
  [[5, 7], [5, 7], [5, 7]],
  [[3, 17], [17], [3, 17]],
  [[3, 17], [3, 1], [3, 17]],
  [[1, 33], [9, 1], [9, 33]],
  [[2, 3, 1, 5], [4, 1], [2, 3, 4, 5]],
  [[], [6, 31], [6, 31]],
  [[2, 1, 65], [1, 4, 65], [2, 4, 65]],
  [[1], [1], [1]],
];

describe.each(variants('f32_vbinary_add'))('f32_vbinary_*__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each(BINARY)('%s matches the scalar reference over sizes and broadcasts', (op) => {
    const random = rng();
    const lo = op === 'pow' ? 0.1 : -4;
    const cases: Array<[number[], number[], number[]]> = [...SIZES.map((n): [number[], number[], number[]] => [[n], [n], [n]]), ...BROADCASTS];
    for (const [sa, sb, sy] of cases) {
      const a = randomFloats(sa.reduce((p, d) => p * d, 1), random, lo, 4);
      const b = randomFloats(sb.reduce((p, d) => p * d, 1), random, op === 'pow' ? -3 : -4, op === 'div' ? -0.5 : 4);
      const run = (v: string, epilogue?: Array<{ op: 'Relu' | 'Tanh' }>) =>
        runLayer({ kernel: `f32_vbinary_${op}__${v}`, inputs: [{ data: a, shape: sa }, { data: b, shape: sb }], output: { shape: sy }, epilogue }) as Float32Array;
      expectClose(run(isa), run('scalar'), `f32_vbinary_${op} ${isa} ${JSON.stringify([sa, sb])}`, 1e-6, 1e-6);
      expectClose(run(isa, [{ op: 'Relu' }, { op: 'Tanh' }]), run('scalar', [{ op: 'Relu' }, { op: 'Tanh' }]), `f32_vbinary_${op}+Relu+Tanh ${isa}`, 2e-6, 2e-5);
    }
  });
});

it('vbinary broadcasting agrees with a JS computation', () => {
  const a = new Float32Array([1, 2, 3, 4, 5, 6]); // [2,3]
  const b = new Float32Array([10, 20]); // [2,1]
  const y = runLayer({ kernel: 'f32_vbinary_sub', inputs: [{ data: a, shape: [2, 3] }, { data: b, shape: [2, 1] }], output: { shape: [2, 3] } });
  expect(Array.from(y as Float32Array)).toEqual([-9, -8, -7, -16, -15, -14]);
});

describe.each(variants('f32_softmax'))('f32_softmax / logsoftmax / layernorm / reduce __$isa', ({ isa, runnable }) => {
  const SHAPES: Array<[number[], number]> = [
    [[1, 1], -1], [[3, 7], -1], [[2, 16], 1], [[5, 17], -1], [[4, 100], -1], [[2, 1003], 1],
    [[2, 5, 3], 1], [[3, 9, 17], 1], [[2, 4, 33], 0], [[3, 31, 2, 5], 1],
  ];
  it.skipIf(!runnable).each(['f32_softmax', 'f32_logsoftmax'])('%s matches the scalar reference', (family) => {
    const random = rng();
    for (const [shape, axis] of SHAPES) {
      const x = randomFloats(shape.reduce((p, d) => p * d, 1), random, -20, 20);
      const run = (v: string) => runLayer({ kernel: `${family}__${v}`, inputs: [{ data: x, shape }], output: { shape }, params: [axis] }) as Float32Array;
      // log-softmax is x - max - log(sum): an output near 0 comes out of subtracting values as
      // large as the inputs (|x| <= 20, whose float spacing is 1.9e-6), so allow two of those.
      const atol = family === 'f32_logsoftmax' ? 4e-6 : 1e-6;
      expectClose(run(isa), run('scalar'), `${family} ${isa} ${JSON.stringify(shape)} axis ${axis}`, atol, 2e-5);
    }
  });

  it.skipIf(!runnable)('f32_layernorm matches the scalar reference', () => {
    const random = rng();
    for (const [shape, axis] of SHAPES) {
      const norm = shape.slice(axis < 0 ? shape.length + axis : axis).reduce((p, d) => p * d, 1);
      const x = randomFloats(shape.reduce((p, d) => p * d, 1), random, 3, 9);
      const scale = randomFloats(norm, random);
      const bias = randomFloats(norm, random);
      for (const withBias of [true, false]) {
        const inputs = [{ data: x, shape }, { data: scale, shape: [norm] }, ...(withBias ? [{ data: bias, shape: [norm] }] : [])];
        const run = (v: string) => runLayer({ kernel: `f32_layernorm__${v}`, inputs, output: { shape }, params: [axis, 1e-5] }) as Float32Array;
        expectClose(run(isa), run('scalar'), `f32_layernorm ${isa} ${JSON.stringify(shape)}`, 2e-5, 2e-4);
      }
    }
  });

  it.skipIf(!runnable).each(['sum', 'mean', 'max'])('f32_reduce_%s matches the scalar reference', (op) => {
    const random = rng();
    const cases: Array<[number[], number[]]> = [
      [[7], [0]], [[5, 17], [1]], [[5, 17], [0]], [[3, 9, 33], [1]], [[3, 9, 33], [0, 2]], [[2, 3, 4, 5], [1, 2]],
      [[2, 3, 4, 5], []], [[4, 1, 129], [-1]], [[1000, 3], [0]],
    ];
    for (const [shape, axes] of cases) {
      const x = randomFloats(shape.reduce((p, d) => p * d, 1), random);
      const outShape = shape.map((d, i) => (axes.length === 0 || axes.map((a) => (a + shape.length) % shape.length).includes(i) ? 1 : d));
      const run = (v: string) => runLayer({ kernel: `f32_reduce_${op}__${v}`, inputs: [{ data: x, shape }], output: { shape: outShape }, params: axes }) as Float32Array;
      expectClose(run(isa), run('scalar'), `f32_reduce_${op} ${isa} ${JSON.stringify(shape)} axes ${JSON.stringify(axes)}`, 1e-4, 1e-5);
    }
  });
});
