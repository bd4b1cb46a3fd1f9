// Data movement, pooling and cast layers (default variant) against plain JS computations; every
// fast variant is checked against its scalar reference in move-variants and cast-pool-variants.
import { describe, expect, it } from 'vitest';
import { count, fastIsas, randomFloats, rng, runLayer } from '../helpers/harness.js';
import { expectClose } from '../helpers/harness.js';

const strides = (shape: number[]) => shape.map((_, i) => count(shape.slice(i + 1)));
function unravel(i: number, shape: number[]) {
  return shape.map((_, d) => Math.floor(i / count(shape.slice(d + 1))) % shape[d]!);
}

describe('data movement and pooling', () => {
  const random = rng();

  it.each([
    [[2, 3, 4], [2, 0, 1]],
    [[2, 3, 4, 5], [0, 2, 3, 1]],
    [[7, 1, 9], [2, 1, 0]],
    [[5, 6], [1, 0]],
    [[3, 17, 33], [0, 1, 2]],
  ])('x_transpose %j perm %j', (shape, perm) => {
    const x = randomFloats(count(shape), random);
    const outShape = perm.map((p) => shape[p]!);
    const y = runLayer({ kernel: 'x_transpose', inputs: [{ data: x, shape }], output: { shape: outShape }, params: perm }) as Float32Array;
    const xs = strides(shape);
    for (let i = 0; i < y.length; i++) {
      const idx = unravel(i, outShape);
      const src = idx.reduce((acc, v, d) => acc + v * xs[perm[d]!]!, 0);
      expect(y[i]).toBe(x[src]);
    }
  });

  it('x_concat along a middle axis', () => {
    const a = randomFloats(2 * 3 * 4, random);
    const b = randomFloats(2 * 1 * 4, random);
    const y = runLayer({ kernel: 'x_concat', inputs: [{ data: a, shape: [2, 3, 4] }, { data: b, shape: [2, 1, 4] }], output: { shape: [2, 4, 4] }, params: [1] }) as Float32Array;
    for (let n = 0; n < 2; n++) {
      expect(Array.from(y.subarray(n * 16, n * 16 + 12))).toEqual(Array.from(a.subarray(n * 12, n * 12 + 12)));
      expect(Array.from(y.subarray(n * 16 + 12, n * 16 + 16))).toEqual(Array.from(b.subarray(n * 4, n * 4 + 4)));
    }
  });

  it('x_slice with positive and negative steps', () => {
    const shape = [4, 10];
    const x = randomFloats(40, random);
    // rows 1..3 step 2 -> [1,3]; cols 9 down to 1 step -3 -> [9,6,3]
    const y = runLayer({ kernel: 'x_slice', inputs: [{ data: x, shape }], output: { shape: [2, 3] }, params: [1, 9, 2, -3] }) as Float32Array;
    expect(Array.from(y)).toEqual([19, 16, 13, 39, 36, 33].map((i) => x[i]!));
  });

  it('x_gather with int32 indices on the last axis', () => {
    const x = new Float32Array([0, 1, 2, 3, 4, 5]);
    const y = runLayer({ kernel: 'x_gather', inputs: [{ data: x, shape: [2, 3] }, { data: new Int32Array([2, -3, 1]), shape: [3] }], output: { shape: [2, 3] }, params: [1] });
    expect(Array.from(y as Float32Array)).toEqual([2, 0, 1, 5, 3, 4]);
  });

  it('x_cast among float32, int64, int32 and bool', () => {
    const x = new Float32Array([1.7, -2.7, 0, Number.NaN, 3e12]);
    expect(Array.from(runLayer({ kernel: 'x_cast', inputs: [{ data: x, shape: [5] }], output: { dtype: 'int32', shape: [5] } }) as Int32Array)).toEqual([1, -2, 0, 0, 2147483647]);
    expect(Array.from(runLayer({ kernel: 'x_cast', inputs: [{ data: x, shape: [5] }], output: { dtype: 'int64', shape: [5] } }) as BigInt64Array)).toEqual([1n, -2n, 0n, 0n, BigInt(Math.fround(3e12))]);
    expect(Array.from(runLayer({ kernel: 'x_cast', inputs: [{ data: x, shape: [5] }], output: { dtype: 'bool', shape: [5] } }) as Uint8Array)).toEqual([1, 1, 0, 1, 1]);
    const b = runLayer({ kernel: 'x_cast', inputs: [{ data: new Uint8Array([0, 1]), shape: [2] }], output: { dtype: 'float32', shape: [2] } });
    expect(Array.from(b as Float32Array)).toEqual([0, 1]);
  });

  it('x_copy copies bytes', () => {
    const x = new BigInt64Array([1n, 2n, 3n]);
    expect(Array.from(runLayer({ kernel: 'x_copy', inputs: [{ data: x, shape: [3] }], output: { dtype: 'int64', shape: [3, 1] } }) as BigInt64Array)).toEqual([1n, 2n, 3n]);
  });

  function pool(x: Float32Array, [n, c, h, w]: number[], [oh, ow]: number[], p: number[], max: boolean) {
    const [kh, kw, sh, sw, pt, pl, pb, pr, dh, dw, includePad] = p as [number, number, number, number, number, number, number, number, number, number, number];
    const y = new Float32Array(n! * c! * oh! * ow!);
    for (let plane = 0; plane < n! * c!; plane++)
      for (let oy = 0; oy < oh!; oy++)
        for (let ox = 0; ox < ow!; ox++) {
          let acc = max ? -Infinity : 0;
          let cnt = 0;
          let padded = 0;
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const iy = oy * sh - pt + ky * dh;
              const ix = ox * sw - pl + kx * dw;
              if (iy >= -pt && iy < h! + pb && ix >= -pl && ix < w! + pr) padded++;
              if (iy < 0 || iy >= h! || ix < 0 || ix >= w!) continue;
              const v = x[plane * h! * w! + iy * w! + ix]!;
              acc = max ? Math.max(acc, v) : acc + v;
              cnt++;
            }
          y[(plane * oh! + oy) * ow! + ox] = max ? acc : acc / (includePad ? padded : cnt);
        }
    return y;
  }

  it.each([
    ['f32_maxpool2d', [1, 2, 7, 9], [3, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0]],
    ['f32_avgpool2d', [2, 3, 8, 8], [4, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1]],
    ['f32_avgpool2d', [2, 3, 8, 8], [4, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0]],
    ['f32_maxpool2d', [1, 1, 9, 9], [3, 3], [2, 2, 3, 3, 0, 0, 0, 0, 2, 2, 0]],
  ])('%s %j -> %j', (kernel, inShape, outSpatial, params) => {
    const x = randomFloats(count(inShape), random);
    const outShape = [inShape[0]!, inShape[1]!, ...outSpatial];
    const y = runLayer({ kernel, inputs: [{ data: x, shape: inShape }], output: { shape: outShape }, params }) as Float32Array;
    expectClose(y, pool(x, inShape, outSpatial, params, kernel === 'f32_maxpool2d'), kernel, 1e-6, 1e-6);
  });

  const nchwToNhwc = (x: Float32Array, [n, c, h, w]: number[]) => {
    const y = new Float32Array(x.length);
    for (let b = 0; b < n!; b++)
      for (let ch = 0; ch < c!; ch++)
        for (let i = 0; i < h! * w!; i++) y[(b * h! * w! + i) * c! + ch] = x[(b * c! + ch) * h! * w! + i]!;
    return y;
  };

  // NHWC pooling, every ISA variant (scalar reference and the vector ones this CPU runs), against
  // the JS NCHW oracle: channel counts below, at and above the vector widths; padding, dilation.
  describe.each(['scalar', ...fastIsas('f32_maxpool2d_nhwc')])('NHWC pooling (%s)', (isa) => {
    it.each([
      ['max', [1, 5, 7, 9], [3, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0]],
      ['avg', [2, 16, 8, 8], [4, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1]],
      ['avg', [2, 17, 8, 8], [4, 4], [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0]],
      ['max', [1, 33, 9, 9], [3, 3], [2, 2, 3, 3, 0, 0, 0, 0, 2, 2, 0]],
      ['max', [2, 64, 11, 11], [5, 5], [3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 0]],
      ['avg', [1, 3, 5, 6], [5, 6], [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0]],
    ])('%s %j -> %j', (kind, inShape, outSpatial, params) => {
      const [n, c] = inShape as [number, number];
      const x = randomFloats(count(inShape), random);
      const outNchw = [n, c, ...outSpatial];
      const y = runLayer({
        kernel: `f32_${kind}pool2d_nhwc__${isa}`,
        inputs: [{ data: nchwToNhwc(x, inShape), shape: [n, inShape[2]!, inShape[3]!, c] }],
        output: { shape: [n, outSpatial[0]!, outSpatial[1]!, c] },
        params,
      }) as Float32Array;
      const want = nchwToNhwc(pool(x, inShape, outSpatial, params, kind === 'max'), outNchw);
      expectClose(y, want, `${kind} nhwc ${isa}`, 1e-6, 1e-6);
    });
  });

  it('global average and max pooling', () => {
    const x = randomFloats(2 * 3 * 5 * 5, random);
    const avg = runLayer({ kernel: 'f32_globalavgpool', inputs: [{ data: x, shape: [2, 3, 5, 5] }], output: { shape: [2, 3, 1, 1] } }) as Float32Array;
    const max = runLayer({ kernel: 'f32_globalmaxpool', inputs: [{ data: x, shape: [2, 3, 5, 5] }], output: { shape: [2, 3, 1, 1] } }) as Float32Array;
    for (let p = 0; p < 6; p++) {
      const plane = Array.from(x.subarray(p * 25, p * 25 + 25));
      expect(avg[p]).toBeCloseTo(plane.reduce((a, b) => a + b, 0) / 25, 5);
      expect(max[p]).toBe(Math.max(...plane));
    }
  });

  it('generic reduce over non-adjacent axes matches JS', () => {
    const shape = [3, 4, 5];
    const x = randomFloats(60, random);
    const y = runLayer({ kernel: 'f32_reduce_sum__scalar', inputs: [{ data: x, shape }], output: { shape: [4] }, params: [0, 2] }) as Float32Array;
    const expected = new Float32Array(4);
    for (let i = 0; i < 60; i++) {
      const j = unravel(i, shape)[1]!;
      expected[j] = expected[j]! + x[i]!;
    }
    expectClose(y, expected, 'reduce_sum axes 0,2', 1e-5, 1e-5);
  });
});
