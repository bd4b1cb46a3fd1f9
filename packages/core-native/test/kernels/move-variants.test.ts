// The data-movement families on the move.h microkernels (x_copy, x_concat, x_split, x_slice,
// x_gather, x_pad, x_expand, x_tile): every fast variant equals the scalar reference bit for bit
// over shapes below, at and above the 32- and 64-byte vector widths, odd and prime extents, strides
// and negative steps, negative axes, crops, every dtype. Variants this host cannot run are skipped.
import { describe, it } from 'vitest';
import type { NativeDType } from '../../src/index.js';
import { createEngine } from '../../src/index.js';
import { DTYPES, expectSameBytes, randomData } from '../helpers/bytes.js';
import { type Data, allIsas, allocate, count, rng, runLayer } from '../helpers/harness.js';

const LENGTHS = [1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 97, 127, 128, 129, 257, 1000, 4099, 70001];

function fastVariants(family: string) {
  return allIsas(family);
}

/** Runs one layer with several outputs (x_split). */
function runMulti(kernel: string, x: Data, shape: number[], dtype: NativeDType, outShapes: number[][], params: number[]): Data[] {
  const tensors = [
    { dtype, shape, location: 'input' as const, slot: 0 },
    ...outShapes.map((s, slot) => ({ dtype, shape: s, location: 'output' as const, slot })),
  ];
  const outs = outShapes.map((s) => allocate(dtype, count(s)));
  const program = { arenaBytes: 0, tensors, layers: [{ kernel, inputs: [0], outputs: outShapes.map((_, i) => i + 1), params }] };
  createEngine(program).createContext().runSync([x], outs);
  return outs;
}

describe.each(fastVariants('x_copy'))('x_copy__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('copies every length and dtype like the reference', () => {
    const random = rng(11);
    for (const dtype of DTYPES) {
      for (const n of LENGTHS) {
        const x = randomData(dtype, n, random);
        const run = (v: string) => runLayer({ kernel: `x_copy__${v}`, inputs: [{ data: x, shape: [n] }], output: { dtype, shape: [n] } });
        expectSameBytes(run(isa), run('scalar'), `x_copy ${isa} ${dtype} n=${n}`);
        expectSameBytes(run(isa), x, `x_copy ${isa} ${dtype} n=${n} vs input`);
      }
    }
  });
});

// [input shapes, axis]
const CONCATS: Array<[number[][], number]> = [
  [[[1, 64, 55, 55], [1, 64, 55, 55]], 1],
  [[[1, 16, 13, 13], [1, 48, 13, 13], [1, 1, 13, 13]], -3],
  [[[3, 1], [3, 16], [3, 17], [3, 2]], -1],
  [[[2, 3, 5], [2, 3, 7]], 2],
  [[[5, 7], [1, 7], [9, 7]], 0],
  [[[4, 1, 3], [4, 5, 3]], 1],
  [[[2, 33, 4], [2, 31, 4]], 1],
];

describe.each(fastVariants('x_concat'))('x_concat__$isa and x_split__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('concat matches the reference', () => {
    const random = rng(12);
    for (const dtype of DTYPES) {
      for (const [shapes, axis] of CONCATS) {
        const a = axis < 0 ? axis + shapes[0]!.length : axis;
        const inputs = shapes.map((shape) => ({ data: randomData(dtype, count(shape), random), shape }));
        const out = shapes[0]!.map((d, i) => (i === a ? shapes.reduce((s, x) => s + x[i]!, 0) : d));
        const run = (v: string) => runLayer({ kernel: `x_concat__${v}`, inputs, output: { dtype, shape: out }, params: [axis] });
        expectSameBytes(run(isa), run('scalar'), `x_concat ${isa} ${dtype} ${JSON.stringify(shapes)} axis ${axis}`);
      }
    }
  });
  it.skipIf(!runnable)('split matches the reference', () => {
    const random = rng(13);
    for (const dtype of DTYPES) {
      for (const [shapes, axis] of CONCATS) {
        const a = axis < 0 ? axis + shapes[0]!.length : axis;
        const shape = shapes[0]!.map((d, i) => (i === a ? shapes.reduce((s, x) => s + x[i]!, 0) : d));
        const x = randomData(dtype, count(shape), random);
        const expected = runMulti('x_split__scalar', x, shape, dtype, shapes, [axis]);
        runMulti(`x_split__${isa}`, x, shape, dtype, shapes, [axis]).forEach((y, k) =>
          expectSameBytes(y, expected[k]!, `x_split ${isa} ${dtype} ${JSON.stringify(shape)} axis ${axis} output ${k}`),
        );
      }
    }
  });
});

const SLICE_SHAPES = [[70001], [1, 64, 56, 56], [4, 10], [3, 17, 33], [2, 5, 7, 9], [1, 3, 224, 16], [6, 1, 129]];

describe.each(fastVariants('x_slice'))('x_slice__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('random starts, counts and steps (negative too) match the reference', () => {
    const random = rng(14);
    const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
    for (const dtype of DTYPES) {
      for (const shape of SLICE_SHAPES) {
        for (let trial = 0; trial < 6; trial++) {
          const starts: number[] = [];
          const steps: number[] = [];
          const out = shape.map((d) => {
            const step = trial === 0 ? 1 : pick([1, 1, 2, 3, -1, -2, 5]);
            const full = trial < 2 && step === 1;
            const start = full ? 0 : step > 0 ? Math.floor(random() * d) : d - 1 - Math.floor(random() * d);
            const room = step > 0 ? Math.floor((d - 1 - start) / step) + 1 : Math.floor(start / -step) + 1;
            starts.push(start);
            steps.push(step);
            return full ? d : 1 + Math.floor(random() * room);
          });
          const x = randomData(dtype, count(shape), random);
          const run = (v: string) => runLayer({ kernel: `x_slice__${v}`, inputs: [{ data: x, shape }], output: { dtype, shape: out }, params: [...starts, ...steps] });
          expectSameBytes(run(isa), run('scalar'), `x_slice ${isa} ${dtype} ${JSON.stringify(shape)} starts ${starts} steps ${steps}`);
        }
      }
    }
  });
});

// [data shape, axis, indices shape]
const GATHERS: Array<[number[], number, number[]]> = [
  [[4096, 256], 0, [4096]],
  [[50, 7], 0, [3, 5]],
  [[7, 33], 1, [40]],
  [[3, 5, 17], -1, [2, 9]],
  [[2, 100, 3], 1, [65]],
  [[1000], 0, [1, 17]],
  [[9, 4, 2], -2, [31]],
];

describe.each(fastVariants('x_gather'))('x_gather__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('rows and scalars, int32 and int64 indices (negative too), match the reference', () => {
    const random = rng(15);
    for (const dtype of DTYPES) {
      for (const [shape, axis, indexShape] of GATHERS) {
        const a = axis < 0 ? axis + shape.length : axis;
        const dim = shape[a]!;
        const raw = Array.from({ length: count(indexShape) }, () => Math.floor(random() * 2 * dim) - dim);
        const data = randomData(dtype, count(shape), random);
        const out = [...shape.slice(0, a), ...indexShape, ...shape.slice(a + 1)];
        for (const indices of [Int32Array.from(raw), BigInt64Array.from(raw, BigInt)]) {
          const run = (v: string) => runLayer({ kernel: `x_gather__${v}`, inputs: [{ data, shape }, { data: indices, shape: indexShape }], output: { dtype, shape: out }, params: [axis] });
          expectSameBytes(run(isa), run('scalar'), `x_gather ${isa} ${dtype} ${JSON.stringify(shape)} axis ${axis} ${indices.constructor.name}`);
        }
      }
    }
  });
});

// [shape, begins, ends]
const PADS: Array<[number[], number[], number[]]> = [
  [[1, 3, 224, 224], [0, 0, 1, 1], [0, 0, 1, 1]],
  [[3, 4], [1, 2], [2, 1]],
  [[5], [4], [7]],
  [[2, 3, 4], [0, 1, 0], [1, 0, 3]],
  [[4, 6], [-1, 2], [1, -2]],
  [[2, 9], [0, -3], [0, -4]],
  [[3, 65], [1, 17], [2, 33]],
  [[2, 2, 100], [1, 0, 99], [0, 1, 99]],
  [[1, 70001], [0, 3], [0, 5]],
];

describe.each(fastVariants('x_pad'))('x_pad__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each([0, 1, 2, 3])('mode %i matches the reference for every dtype', (mode) => {
    const random = rng(16);
    for (const dtype of DTYPES) {
      for (const [shape, begins, ends] of PADS) {
        const out = shape.map((d, i) => d + begins[i]! + ends[i]!);
        const x = randomData(dtype, count(shape), random);
        const run = (v: string) => runLayer({ kernel: `x_pad__${v}`, inputs: [{ data: x, shape }], output: { dtype, shape: out }, params: [mode, dtype === 'bool' ? 1 : -3, ...begins, ...ends] });
        expectSameBytes(run(isa), run('scalar'), `x_pad ${isa} mode ${mode} ${dtype} ${JSON.stringify([shape, begins, ends])}`);
      }
    }
  });
});

const EXPANDS: Array<[number[], number[]]> = [
  [[1], [70001]],
  [[3, 1], [3, 129]],
  [[1, 17], [33, 17]],
  [[2, 1, 5], [2, 7, 5]],
  [[64, 1, 1], [1, 64, 56, 56]],
  [[5], [4, 3, 5]],
];
const TILES: Array<[number[], number[]]> = [
  [[3, 5], [2, 7]],
  [[1, 64, 1, 1], [1, 1, 3, 65]],
  [[7], [1000]],
  [[2, 1, 33], [3, 17, 2]],
];

describe.each(fastVariants('x_expand'))('x_expand__$isa and x_tile__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('expand matches the reference', () => {
    const random = rng(17);
    for (const dtype of DTYPES) {
      for (const [shape, out] of EXPANDS) {
        const x = randomData(dtype, count(shape), random);
        const run = (v: string) => runLayer({ kernel: `x_expand__${v}`, inputs: [{ data: x, shape }], output: { dtype, shape: out } });
        expectSameBytes(run(isa), run('scalar'), `x_expand ${isa} ${dtype} ${JSON.stringify([shape, out])}`);
      }
    }
  });
  it.skipIf(!runnable)('tile matches the reference', () => {
    const random = rng(18);
    for (const dtype of DTYPES) {
      for (const [shape, repeats] of TILES) {
        const x = randomData(dtype, count(shape), random);
        const out = shape.map((d, i) => d * repeats[i]!);
        const run = (v: string) => runLayer({ kernel: `x_tile__${v}`, inputs: [{ data: x, shape }], output: { dtype, shape: out } });
        expectSameBytes(run(isa), run('scalar'), `x_tile ${isa} ${dtype} ${JSON.stringify([shape, repeats])}`);
      }
    }
  });
});
