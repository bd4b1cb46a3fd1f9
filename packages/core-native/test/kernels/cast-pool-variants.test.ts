// x_cast and NCHW pooling (f32_maxpool2d, f32_avgpool2d, f32_global{max,avg}pool): every fast
// variant against the scalar reference. Casts and windowed pooling match bit for bit (the vector
// pooling accumulates taps in the reference's order); global pooling reorders a sum, so its means
// are compared within a tolerance. Variants this host cannot run are skipped.
import { describe, expect, it } from 'vitest';
import { DTYPES, expectSameBytes } from '../helpers/bytes.js';
import { type Data, allIsas, allocate, count, expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';

const LENGTHS = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129, 1000, 40009];

// Values that exercise every edge of the conversions: NaN, infinities, -0, the int32 / int64
// limits and just past them, fractions of both signs, plus random bits.
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 0.5, -0.5, 1.7, -2.7, 2 ** 31, -(2 ** 31), 2 ** 31 - 128, 2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 64, 1e30, -1e30, 16777217];

function castInput(dtype: string, n: number, random: () => number): Data {
  const out = allocate(dtype as 'float32', n);
  for (let i = 0; i < n; i++) {
    const special = SPECIAL[Math.floor(random() * SPECIAL.length)]!;
    const pick = random() < 0.3 ? special : (random() - 0.5) * 2 ** Math.floor(random() * 70);
    if (out instanceof Float32Array) out[i] = pick;
    else if (out instanceof Int32Array) out[i] = random() < 0.2 ? [0, -1, 2147483647, -2147483648][i % 4]! : Math.floor((random() - 0.5) * 2 ** 32);
    else if (out instanceof BigInt64Array) out[i] = random() < 0.2 ? [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 31n][i % 5]! : BigInt.asIntN(64, BigInt(Math.floor(random() * 2 ** 53)) * BigInt(Math.floor(random() * 2 ** 20)) - 2n ** 62n);
    else out[i] = random() < 0.6 ? (random() < 0.5 ? 1 : 0) : Math.floor(random() * 256);  // non-0/1 bytes too
  }
  return out;
}

describe.each(allIsas('x_cast'))('x_cast__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('every dtype pair and length matches the reference', () => {
    const random = rng(21);
    for (const from of DTYPES) {
      for (const to of DTYPES) {
        for (const n of LENGTHS) {
          const x = castInput(from, n, random);
          const run = (v: string) => runLayer({ kernel: `x_cast__${v}`, inputs: [{ data: x, shape: [n] }], output: { dtype: to, shape: [n] } });
          expectSameBytes(run(isa), run('scalar'), `x_cast ${isa} ${from} -> ${to} n=${n}`);
        }
      }
    }
  });
});

// [input NCHW, [kh, kw, sh, sw, pads t/l/b/r, dh, dw], output H, W when ceil_mode makes them larger]
const POOLS: Array<[number[], number[], number[]?]> = [
  [[1, 3, 7, 10], [3, 3, 2, 2, 0, 0, 0, 0, 1, 1], [3, 5]],
  [[1, 2, 112, 112], [3, 3, 2, 2, 0, 0, 0, 0, 1, 1], [56, 56]],
  [[1, 2, 20, 37], [3, 3, 3, 3, 1, 1, 1, 1, 1, 1], [8, 13]],
  [[1, 64, 112, 112], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1]],
  [[1, 96, 109, 109], [3, 3, 2, 2, 0, 0, 0, 0, 1, 1]],
  [[1, 3, 55, 55], [3, 3, 2, 2, 0, 0, 1, 1, 1, 1]],
  [[2, 3, 17, 33], [3, 3, 1, 1, 1, 1, 1, 1, 1, 1]],
  [[1, 2, 40, 71], [2, 2, 2, 2, 0, 0, 0, 0, 1, 1]],
  [[1, 4, 31, 47], [5, 3, 1, 3, 2, 1, 2, 1, 1, 1]],
  [[1, 2, 29, 61], [3, 3, 2, 2, 2, 2, 2, 2, 2, 2]],
  [[1, 1, 9, 200], [1, 7, 1, 4, 0, 3, 0, 3, 1, 1]],
  [[1, 3, 7, 7], [7, 7, 1, 1, 0, 0, 0, 0, 1, 1]],
  [[1, 2, 5, 6], [4, 4, 1, 1, 3, 3, 3, 3, 1, 1]],
  [[1, 1, 3, 130], [2, 2, 1, 1, 0, 0, 1, 1, 1, 1]],
];

function poolOut(shape: number[], p: number[]): number[] {
  const [kh, kw, sh, sw, pt, pl, pb, pr, dh, dw] = p as [number, number, number, number, number, number, number, number, number, number];
  const oh = Math.floor((shape[2]! + pt + pb - ((kh - 1) * dh + 1)) / sh) + 1;
  const ow = Math.floor((shape[3]! + pl + pr - ((kw - 1) * dw + 1)) / sw) + 1;
  return [shape[0]!, shape[1]!, oh, ow];
}

for (const family of ['f32_maxpool2d', 'f32_avgpool2d']) {
  describe.each(allIsas(family))(`${family}__$isa`, ({ isa, runnable }) => {
    it.skipIf(!runnable)('matches the reference bit for bit (strides, dilations, pads, count_include_pad)', () => {
      const random = rng(22);
      for (const [shape, params, ceil] of POOLS) {
        const x = randomFloats(count(shape), random);
        const out = ceil ? [shape[0]!, shape[1]!, ...ceil] : poolOut(shape, params);
        for (const includePad of family === 'f32_avgpool2d' ? [0, 1] : [0]) {
          const run = (v: string) => runLayer({ kernel: `${family}__${v}`, inputs: [{ data: x, shape }], output: { shape: out }, params: [...params, includePad] });
          expectSameBytes(run(isa), run('scalar'), `${family} ${isa} ${JSON.stringify(shape)} ${params} include_pad ${includePad}`);
        }
      }
    });
  });
}

for (const family of ['f32_globalmaxpool', 'f32_globalavgpool']) {
  describe.each(allIsas(family))(`${family}__$isa`, ({ isa, runnable }) => {
    it.skipIf(!runnable)('matches the reference over plane sizes around the vector widths', () => {
      const random = rng(23);
      for (const plane of [[1, 1], [2, 4], [3, 3], [4, 4], [1, 17], [7, 7], [5, 13], [8, 8], [13, 13], [1, 129], [56, 56]]) {
        const shape = [2, 5, ...plane];
        const x = randomFloats(count(shape), random);
        const run = (v: string) => runLayer({ kernel: `${family}__${v}`, inputs: [{ data: x, shape }], output: { shape: [2, 5, 1, 1] } }) as Float32Array;
        expectClose(run(isa), run('scalar'), `${family} ${isa} ${JSON.stringify(shape)}`, 1e-6, 1e-5);
      }
    });
  });
}

it('the NCHW pooling and data-movement families list avx512, avx2 and the scalar reference', () => {
  for (const family of ['f32_maxpool2d', 'f32_avgpool2d', 'f32_globalmaxpool', 'f32_globalavgpool', 'x_copy', 'x_concat', 'x_split', 'x_slice', 'x_gather', 'x_pad', 'x_expand', 'x_tile', 'x_cast']) {
    expect(allIsas(family).map((v) => v.isa), family).toEqual(['avx512', 'avx2']);
  }
});
