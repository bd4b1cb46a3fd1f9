// f32_batchnorm, f32_instancenorm, f32_resize (fast variants against the scalar reference over
// size sweeps; the reference against JS), x_pad and x_split against JS.
import { describe, expect, it } from 'vitest';
import { count } from '../helpers/broadcast.js';
import { createEngine } from '../../src/index.js';
import { type Data, allIsas, expectClose, randomFloats, rng, runLayer } from '../helpers/harness.js';

const PLANES: number[][] = [
  [1, 1, 1], [2, 3, 7], [1, 4, 8], [2, 2, 9], [1, 3, 16], [3, 2, 17], [1, 2, 31, 33], [2, 5, 4, 4], [1, 1, 4097], [2, 3, 5, 7, 3],
];

function batchnorm(x: Float32Array, shape: number[], scale: Float32Array, bias: Float32Array, mean: Float32Array, variance: Float32Array, epsilon: number) {
  const plane = count(shape.slice(2));
  return Float32Array.from(x, (v, i) => {
    const c = Math.floor(i / plane) % shape[1]!;
    return ((v - mean[c]!) / Math.sqrt(variance[c]! + epsilon)) * scale[c]! + bias[c]!;
  });
}

function instancenorm(x: Float32Array, shape: number[], scale: Float32Array, bias: Float32Array, epsilon: number) {
  const plane = count(shape.slice(2));
  const y = new Float32Array(x.length);
  for (let p = 0; p < x.length / plane; p++) {
    const values = x.subarray(p * plane, (p + 1) * plane);
    const mean = values.reduce((a, b) => a + b, 0) / plane;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / plane;
    const c = p % shape[1]!;
    for (let i = 0; i < plane; i++) y[p * plane + i] = ((values[i]! - mean) / Math.sqrt(variance + epsilon)) * scale[c]! + bias[c]!;
  }
  return y;
}

describe.each([{ isa: 'scalar', runnable: true }, ...allIsas('f32_batchnorm')])('f32_batchnorm / f32_instancenorm __$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable)('batchnorm over plane sizes', () => {
    const random = rng();
    for (const shape of PLANES) {
      const c = shape[1]!;
      const x = randomFloats(count(shape), random);
      const [scale, bias, mean] = [randomFloats(c, random), randomFloats(c, random), randomFloats(c, random)];
      const variance = randomFloats(c, random, 0.1, 3);
      const inputs = [x, scale, bias, mean, variance].map((data, i) => ({ data, shape: i === 0 ? shape : [c] }));
      const run = (v: string) => runLayer({ kernel: `f32_batchnorm__${v}`, inputs, output: { shape }, params: [1e-3] }) as Float32Array;
      const expected = isa === 'scalar' ? batchnorm(x, shape, scale, bias, mean, variance, 1e-3) : run('scalar');
      expectClose(run(isa), expected, `f32_batchnorm ${isa} ${JSON.stringify(shape)}`, 1e-5, 1e-5);
    }
  });

  it.skipIf(!runnable)('instancenorm over plane sizes, including an offset mean', () => {
    const random = rng();
    for (const shape of PLANES) {
      const c = shape[1]!;
      const x = randomFloats(count(shape), random, 5, 9);
      const [scale, bias] = [randomFloats(c, random), randomFloats(c, random)];
      const inputs = [x, scale, bias].map((data, i) => ({ data, shape: i === 0 ? shape : [c] }));
      const run = (v: string) => runLayer({ kernel: `f32_instancenorm__${v}`, inputs, output: { shape }, params: [1e-5] }) as Float32Array;
      const expected = isa === 'scalar' ? instancenorm(x, shape, scale, bias, 1e-5) : run('scalar');
      expectClose(run(isa), expected, `f32_instancenorm ${isa} ${JSON.stringify(shape)}`, 2e-4, 2e-4);
    }
  });
});

/** JS Resize over the last two dims (ONNX formulas), an oracle for the scalar reference. */
function resize(x: Float32Array, shape: number[], outShape: number[], params: number[]): Float32Array {
  const [mode, coordinate, nearest, scaleH, scaleW] = params as [number, number, number, number, number];
  const r = shape.length;
  const [inH, inW, outH, outW] = [shape[r - 2]!, shape[r - 1]!, outShape[r - 2]!, outShape[r - 1]!];
  const original = (o: number, scale: number, outLen: number, inLen: number) => {
    if (coordinate === 1) return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    if (coordinate === 2) return outLen === 1 ? 0 : (o * (inLen - 1)) / (outLen - 1);
    if (coordinate === 3) return o / scale;
    if (coordinate === 4) return (inLen / 2) * (1 - outLen / (scale * inLen)) + (o + 0.5) / scale - 0.5;
    return (o + 0.5) / scale - 0.5;
  };
  const clamp = (v: number, n: number) => Math.min(Math.max(v, 0), n - 1);
  const round = (c: number) => {
    const f = Math.floor(c);
    if (nearest === 2) return f;
    if (nearest === 3) return Math.ceil(c);
    if (c - f === 0.5) return nearest === 1 ? f + 1 : f;
    return Math.round(c);
  };
  const y = new Float32Array(count(outShape));
  for (let p = 0; p < count(shape.slice(0, r - 2)); p++) {
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        const cy = original(oy, scaleH, outH, inH);
        const cx = original(ox, scaleW, outW, inW);
        const at = (iy: number, ix: number) => x[p * inH * inW + clamp(iy, inH) * inW + clamp(ix, inW)]!;
        let v: number;
        if (mode === 0) v = at(round(cy), round(cx));
        else {
          const [fy, fx] = [Math.floor(cy), Math.floor(cx)];
          const [wy, wx] = [cy - fy, cx - fx];
          const top = at(fy, fx) * (1 - wx) + at(fy, fx + 1) * wx;
          const bottom = at(fy + 1, fx) * (1 - wx) + at(fy + 1, fx + 1) * wx;
          v = top * (1 - wy) + bottom * wy;
        }
        y[(p * outH + oy) * outW + ox] = v;
      }
    }
  }
  return y;
}

const RESIZES: Array<[number[], number, number]> = [
  [[1, 1, 2, 2], 2, 2], [[1, 2, 4, 4], 0.5, 0.5], [[2, 3, 5, 7], 2.5, 1.7], [[1, 1, 3, 17], 1, 3], [[1, 2, 9, 33], 0.6, 0.45], [[1, 1, 8, 8], 4, 4], [[3, 4, 5], 3, 2],
];

describe.each([{ isa: 'scalar', runnable: true }, ...allIsas('f32_resize')])('f32_resize__$isa', ({ isa, runnable }) => {
  it.skipIf(!runnable).each([0, 1])('mode %i over coordinate and nearest modes', (mode) => {
    const random = rng();
    for (const [shape, sh, sw] of RESIZES) {
      const r = shape.length;
      const outShape = [...shape.slice(0, r - 2), Math.floor(shape[r - 2]! * sh), Math.floor(shape[r - 1]! * sw)];
      const x = randomFloats(count(shape), random);
      for (let coordinate = 0; coordinate <= 4; coordinate++) {
        for (const nearest of mode === 0 ? [0, 1, 2, 3] : [0]) {
          const params = [mode, coordinate, nearest, sh, sw];
          const run = (v: string) => runLayer({ kernel: `f32_resize__${v}`, inputs: [{ data: x, shape }], output: { shape: outShape }, params }) as Float32Array;
          const expected = isa === 'scalar' ? resize(x, shape, outShape, params) : run('scalar');
          expectClose(run(isa), expected, `f32_resize ${isa} ${JSON.stringify(shape)} ${params}`, 1e-5, 1e-5);
        }
      }
    }
  });
});

/** [N, C, H, W] <-> [N, H, W, C]. */
function toNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let b = 0; b < n!; b++) for (let k = 0; k < c!; k++) for (let i = 0; i < h! * w!; i++) y[(b * h! * w! + i) * c! + k] = x[(b * c! + k) * h! * w! + i]!;
  return y;
}

describe.each([{ isa: 'scalar', runnable: true }, ...allIsas('f32_resize')])('f32_resize__$isa, NHWC layout', ({ isa, runnable }) => {
  it.skipIf(!runnable).each([0, 1])('mode %i gives the NCHW result, transposed', (mode) => {
    const random = rng();
    // Channel counts past one vector and with ragged ends (21: deeplab's classes; 40).
    const wide: Array<[number[], number, number]> = [[[1, 21, 5, 4], 2, 3.5], [[2, 40, 3, 3], 1.5, 0.8]];
    for (const [shape, sh, sw] of [...RESIZES.filter(([dims]) => dims.length === 4), ...wide]) {
      const outShape = [shape[0]!, shape[1]!, Math.floor(shape[2]! * sh), Math.floor(shape[3]! * sw)];
      const nhwc = (dims: number[]) => [dims[0]!, dims[2]!, dims[3]!, dims[1]!];
      const x = randomFloats(count(shape), random);
      for (let coordinate = 0; coordinate <= 4; coordinate++) {
        for (const nearest of mode === 0 ? [0, 1, 2, 3] : [0]) {
          const params = [mode, coordinate, nearest, sh, sw];
          const y = runLayer({ kernel: `f32_resize__${isa}`, inputs: [{ data: toNhwc(x, shape), shape: nhwc(shape) }], output: { shape: nhwc(outShape) }, params: [...params, 1] }) as Float32Array;
          expectClose(y, toNhwc(resize(x, shape, outShape, params), outShape), `f32_resize ${isa} NHWC ${JSON.stringify(shape)} ${params}`, 1e-5, 1e-5);
        }
      }
    }
  });
});

/** numpy.pad's reflect by repeated mirroring (not the periodic formula the kernel uses). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;
  return i;
}

function pad(x: Data, shape: number[], begins: number[], ends: number[], mode: number, value: number | bigint) {
  const outShape = shape.map((d, i) => d + begins[i]! + ends[i]!);
  return Array.from({ length: count(outShape) }, (_, flat) => {
    let rest = flat;
    let index = 0;
    let stride = 1;
    for (let d = outShape.length - 1; d >= 0; d--) {
      let i = (rest % outShape[d]!) - begins[d]!;
      rest = Math.floor(rest / outShape[d]!);
      const n = shape[d]!;
      if (i < 0 || i >= n) {
        if (mode === 0) return value;
        i = mode === 1 ? reflect(i, n) : mode === 2 ? Math.min(Math.max(i, 0), n - 1) : ((i % n) + n) % n;
      }
      index += i * stride;
      stride *= n;
    }
    return x[index];
  });
}

describe('x_pad and x_split', () => {
  const PADS: Array<[number[], number[], number[]]> = [
    [[3, 4], [1, 2], [2, 1]],
    [[5], [4], [7]],
    [[2, 3, 4], [0, 1, 0], [1, 0, 3]],
    [[1, 1, 3, 3], [0, 0, 2, 2], [0, 0, 2, 2]],
    [[4, 6], [-1, 2], [1, -2]],
    [[2, 2], [5, 5], [5, 5]],
    [[1, 5], [0, 9], [0, 11]],
  ];
  it.each([0, 1, 2, 3])('mode %i over float32 and int64', (mode) => {
    const random = rng();
    for (const [shape, begins, ends] of PADS) {
      const outShape = shape.map((d, i) => d + begins[i]! + ends[i]!);
      const x = randomFloats(count(shape), random);
      const y = runLayer({ kernel: 'x_pad', inputs: [{ data: x, shape }], output: { shape: outShape }, params: [mode, 1.5, ...begins, ...ends] });
      expect(Array.from(y as Float32Array), `x_pad ${mode} ${JSON.stringify([shape, begins, ends])}`).toEqual(pad(x, shape, begins, ends, mode, 1.5));
      const xi = BigInt64Array.from(x, (v) => BigInt(Math.round(v * 1e6)));
      const yi = runLayer({ kernel: 'x_pad', inputs: [{ data: xi, shape }], output: { dtype: 'int64', shape: outShape }, params: [mode, -7, ...begins, ...ends] });
      expect(Array.from(yi as BigInt64Array)).toEqual(pad(xi, shape, begins, ends, mode, -7n));
    }
  });

  it.each([
    [[6, 4], 0, [1, 2, 3]],
    [[2, 9, 3], 1, [4, 4, 1]],
    [[2, 9, 3], -1, [1, 2]],
    [[10], 0, [10]],
  ])('x_split %j axis %i into %j', (shape, axis, parts) => {
    const x = randomFloats(count(shape), rng());
    const a = axis < 0 ? axis + shape.length : axis;
    const outShapes = parts.map((extent) => shape.map((d, i) => (i === a ? extent : d)));
    const tensors = [{ dtype: 'float32' as const, shape, location: 'input' as const, slot: 0 }, ...outShapes.map((s, slot) => ({ dtype: 'float32' as const, shape: s, location: 'output' as const, slot }))];
    const outs = outShapes.map((s) => new Float32Array(count(s)));
    const program = { arenaBytes: 0, tensors, layers: [{ kernel: 'x_split', inputs: [0], outputs: outShapes.map((_, i) => i + 1), params: [axis] }] };
    createEngine(program).createContext().runSync([x], outs);
    const inner = count(shape.slice(a + 1));
    const outer = count(shape.slice(0, a));
    let start = 0;
    outShapes.forEach((_, k) => {
      const expected: number[] = [];
      for (let o = 0; o < outer; o++) for (let i = 0; i < parts[k]! * inner; i++) expected.push(x[o * shape[a]! * inner + start * inner + i]!);
      expect(Array.from(outs[k]!)).toEqual(expected);
      start += parts[k]!;
    });
  });

  it('malformed pad and split layers are coded errors', () => {
    const x = new Float32Array(12);
    expect(() => runLayer({ kernel: 'x_pad', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [4, 4] }, params: [0, 0, 1, 0, 1, 0] })).toThrow(/begin \+ end/);
    expect(() => runLayer({ kernel: 'x_pad', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [3, 4] }, params: [9, 0, 0, 0, 0, 0] })).toThrow(/pad mode/);
    expect(() => runLayer({ kernel: 'x_pad', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [3, 4] }, params: [0, 0] })).toThrow(/params/);
    expect(() => runLayer({ kernel: 'x_split', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [2, 4] }, params: [0] })).toThrow(/add up/);
    expect(() => runLayer({ kernel: 'f32_resize', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [6, 8] }, params: [0, 0, 0, -2, 2] })).toThrow(/positive/);
    expect(() => runLayer({ kernel: 'f32_resize', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [6, 8] }, params: [0, 0, 0, 2, 2, 2] })).toThrow(/layout/);
    expect(() => runLayer({ kernel: 'f32_resize', inputs: [{ data: x, shape: [3, 4] }], output: { shape: [6, 8] }, params: [0, 0, 0, 2, 2, 1] })).toThrow(/NHWC resize takes a 4-D/);
    expect(() => runLayer({ kernel: 'f32_batchnorm', inputs: [{ data: x, shape: [1, 3, 4] }, { data: x, shape: [12] }, { data: x, shape: [12] }, { data: x, shape: [12] }, { data: x, shape: [12] }], output: { shape: [1, 3, 4] }, params: [1e-5] })).toThrow(/per channel/);
  });
});
