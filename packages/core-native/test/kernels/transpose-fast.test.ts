// x_transpose's fast variants (in-register tile transposes of 4-byte elements, tiled over the
// pool) against the scalar reference, bit for bit, on NCHW<->NHWC and other perms.
import { describe, expect, it } from 'vitest';
import { kernels } from '../../src/index.js';
import { count, randomFloats, rng, runLayer } from '../helpers/harness.js';

const CASES: Array<[number[], number[]]> = [
  [[1, 3, 224, 224], [0, 2, 3, 1]],
  [[2, 32, 17, 19], [0, 2, 3, 1]],
  [[1, 13, 13, 96], [0, 3, 1, 2]],
  [[3, 5, 7, 40], [0, 3, 1, 2]],
  [[1, 64, 56, 56], [0, 2, 3, 1]],
  [[2, 3, 128, 64], [0, 1, 3, 2]],
  [[33, 47], [1, 0]],
  [[4, 6, 5], [1, 0, 2]],
  [[2, 3, 4, 5], [3, 1, 0, 2]],
  // Two to four planes interleaved (an image's input reformat) and back, with ragged ends.
  [[2, 3, 37, 41], [0, 2, 3, 1]],
  [[1, 2, 16, 16], [0, 2, 3, 1]],
  [[1, 4, 9, 9], [0, 2, 3, 1]],
  [[1, 33, 35, 3], [0, 3, 1, 2]],
  [[2, 16, 2, 2], [0, 3, 1, 2]],
  [[3, 1500, 4], [0, 2, 1]],
];

describe('x_transpose fast variants', () => {
  const variants = kernels().filter((k) => k.family === 'x_transpose');
  it('lists avx512, avx2 and the scalar reference', () => {
    expect(variants.map((k) => k.name)).toEqual(['x_transpose__avx512', 'x_transpose__avx2', 'x_transpose__scalar']);
  });
  for (const info of variants.filter((k) => k.isa !== 'scalar')) {
    it.skipIf(!info.runnable)(`${info.name} equals x_transpose__scalar`, () => {
      CASES.forEach(([shape, perm], index) => {
        const data = randomFloats(count(shape), rng(900 + index));
        const out = perm.map((axis) => shape[axis]!);
        const layer = (kernel: string) => runLayer({ kernel, inputs: [{ data, shape }], output: { shape: out }, params: perm });
        const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
        expect(same(layer(info.name), layer('x_transpose__scalar')), `${info.name} [${shape}] perm [${perm}]`).toBe(true);
        const ints = new Int32Array(data.buffer);
        const intLayer = (kernel: string) => runLayer({ kernel, inputs: [{ data: ints, shape }], output: { dtype: 'int32', shape: out }, params: perm });
        expect(same(intLayer(info.name), intLayer('x_transpose__scalar')), `int32 [${shape}] perm [${perm}]`).toBe(true);
      });
    });
  }
  it('a 3x2 NCHW->NHWC by hand', () => {
    const y = runLayer({ kernel: 'x_transpose', inputs: [{ data: Float32Array.from([1, 2, 3, 4, 5, 6]), shape: [1, 2, 1, 3] }], output: { shape: [1, 1, 3, 2] }, params: [0, 2, 3, 1] });
    expect(Array.from(y as Float32Array)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
