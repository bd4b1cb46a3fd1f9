// qu8_conv_nchw (an int8 convolution with few input channels reading the fp32 NCHW input) through
// the executor. Every runnable vector variant against the scalar reference, bit for bit, at 1 and
// 2 threads: uint8 outputs go through a 1x1 identity qu8_dwconv__scalar into fp32 (equal outputs
// mean equal bytes), fp32 outputs are compared exactly (integer sums, then the same fp32
// operations), except after Sigmoid (the f32 epilogue rows, whose exp differs by ISA). The sweep:
// input channels 1..4, odd sizes, batch 2, strides 1-4, symmetric and asymmetric pads, dilation,
// 1x1 to 11x11 kernels, output channels around the 16-lane vectors and the 32/64-channel tiles,
// zero points != 0, ReLU, Clip, Sigmoid (not fused) and none. The scalar reference itself is
// checked against float64 arithmetic on the quantized input and the int8 weights; bad layers get
// coded errors.
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, kernels, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { variantsOf } from '../helpers/fused.js';
import { randomFloats, rng } from '../helpers/harness.js';

interface StemCase {
  n: number;
  h: number;
  w: number;
  c: number;
  oc: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  dh: number;
  dw: number;
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  activation: 'relu' | 'clip' | 'sigmoid' | 'none';
  out: 'uint8' | 'float32';
}

const GRID_X = { scale: 0.0123, zeroPoint: 117 };
const GRID_Y = { scale: 0.047, zeroPoint: 100 };

const EPILOGUES = {
  relu: [{ op: 'Relu' }],
  clip: [{ op: 'Clip', alpha: -0.5, beta: 1.5 }],
  sigmoid: [{ op: 'Sigmoid' }],
  none: undefined,
} as Record<StemCase['activation'], NativeProgram['layers'][number]['epilogue']>;

const stem = (c: Partial<StemCase> & Pick<StemCase, 'c' | 'oc' | 'kh' | 'kw'>): StemCase => ({
  n: 1, h: 9, w: 11, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], activation: 'relu', out: 'uint8', ...c,
});

const CASES: Array<[string, StemCase]> = [
  ['squeezenet-like 3x3 s2, 3 -> 64, ReLU', stem({ h: 25, w: 31, c: 3, oc: 64, kh: 3, kw: 3, sh: 2, sw: 2 })],
  ['mobilenet-like 3x3 s2 pad 1, 3 -> 32, Clip', stem({ h: 23, w: 29, c: 3, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1], activation: 'clip' })],
  ['1 channel 5x5 pad 2, -> 17', stem({ h: 13, w: 14, c: 1, oc: 17, kh: 5, kw: 5, pads: [2, 2, 2, 2], activation: 'none' })],
  ['batch 2, 2 channels 3x3 stride 3, asymmetric pads, -> 5, fp32', stem({ n: 2, h: 16, w: 19, c: 2, oc: 5, kh: 3, kw: 3, sh: 3, sw: 3, pads: [1, 0, 1, 2], out: 'float32' })],
  ['4 channels 7x7 s2 pad 3, -> 70, Clip', stem({ h: 21, w: 27, c: 4, oc: 70, kh: 7, kw: 7, sh: 2, sw: 2, pads: [3, 3, 3, 3], activation: 'clip' })],
  ['3 channels 3x2 stride 4x1 asymmetric pads, -> 33, fp32', stem({ h: 19, w: 13, c: 3, oc: 33, kh: 3, kw: 2, sh: 4, sw: 1, pads: [0, 2, 1, 0], activation: 'none', out: 'float32' })],
  ['3 channels dilation 2, stride 1x4, -> 48', stem({ h: 15, w: 30, c: 3, oc: 48, kh: 3, kw: 3, sw: 4, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  ['1x1, 4 channels, -> 100, Sigmoid', stem({ h: 6, w: 37, c: 4, oc: 100, kh: 1, kw: 1, activation: 'sigmoid' })],
  ['wide 11x11 s4 pad 2, 3 -> 16, fp32', stem({ h: 47, w: 45, c: 3, oc: 16, kh: 11, kw: 11, sh: 4, sw: 4, pads: [2, 2, 2, 2], out: 'float32' })],
  ['single output pixel, 2 -> 9', stem({ h: 3, w: 3, c: 2, oc: 9, kh: 3, kw: 3, activation: 'none' })],
  ['2-row image, 3x3 s2 pad 1, 3 -> 24, Sigmoid, fp32', stem({ h: 2, w: 41, c: 3, oc: 24, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1], activation: 'sigmoid', out: 'float32' })],
  ['3 channels 3x3 stride 2x3, pads top/left only, -> 64', stem({ h: 17, w: 50, c: 3, oc: 64, kh: 3, kw: 3, sh: 2, sw: 3, pads: [1, 1, 0, 0] })],
  ['narrow 5-pixel rows, 3 -> 40, Clip, fp32', stem({ h: 12, w: 5, c: 3, oc: 40, kh: 3, kw: 3, pads: [1, 1, 1, 1], activation: 'clip', out: 'float32' })],
];

const outSize = (size: number, k: number, s: number, d: number, before: number, after: number) => Math.floor((size + before + after - d * (k - 1) - 1) / s) + 1;
const outShape = (c: StemCase) => [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]), c.oc];
const convParams = (c: StemCase) => [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, 1, 1, 0];
const packShape = (c: StemCase) => [c.oc, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, 1];
const options = { inputScale: GRID_X.scale, inputZeroPoint: GRID_X.zeroPoint };

function data(c: StemCase, seed: number) {
  const random = rng(seed);
  return {
    // Past the grid's range at both ends, so saturation is exercised.
    x: randomFloats(c.n * c.c * c.h * c.w, random, -1.6, 1.8),
    w: randomFloats(c.oc * c.c * c.kh * c.kw, random, -0.5, 0.5),
    bias: randomFloats(c.oc, random, -0.3, 0.3),
  };
}

/** Runs the case on `variant`; the output as fp32 (a uint8 output through the identity depthwise). */
function run(variant: string, c: StemCase, threads: number, seed: number): Float32Array {
  const { x, w, bias } = data(c, seed);
  const out = outShape(c);
  const count = out.reduce((a, b) => a * b, 1);
  const blobs = [packWeights(variant, packShape(c), w, options), bias];
  if (c.out === 'uint8') blobs.push(packWeights('qu8_dwconv__scalar', [c.oc, c.oc, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c.oc], new Float32Array(c.oc).fill(1)));
  const offsets: number[] = [];
  let floats = 0;
  for (const blob of blobs) {
    offsets.push(floats * 4);
    floats += Math.ceil(blob.length / 16) * 16;
  }
  const weights = new Float32Array(floats);
  blobs.forEach((blob, i) => weights.set(blob, offsets[i]! / 4));
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: [c.n, c.c, c.h, c.w], location: 'input', slot: 0 },
    ...blobs.map((blob, i): NativeTensor => ({ dtype: 'float32', shape: [blob.length], location: 'weights', offset: offsets[i]! })),
  ];
  const epilogue = EPILOGUES[c.activation];
  const layers: NativeProgram['layers'] = [];
  if (c.out === 'uint8') {
    tensors.push({ dtype: 'uint8', shape: out, location: 'arena', offset: 0 }, { dtype: 'float32', shape: out, location: 'output', slot: 0 });
    layers.push(
      { kernel: variant, inputs: [0, 1, 2], outputs: [4], params: [...convParams(c), GRID_Y.scale, GRID_Y.zeroPoint], ...(epilogue ? { epilogue } : {}) },
      { kernel: 'qu8_dwconv__scalar', inputs: [4, 3], outputs: [5], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c.oc, 0, 0, GRID_Y.scale, GRID_Y.zeroPoint, 0, 0] },
    );
  } else {
    tensors.push({ dtype: 'float32', shape: out, location: 'output', slot: 0 });
    layers.push({ kernel: variant, inputs: [0, 1, 2], outputs: [3], params: convParams(c), ...(epilogue ? { epilogue } : {}) });
  }
  const y = new Float32Array(count);
  const before = getThreads();
  setThreads(threads);
  try {
    createEngine({ arenaBytes: Math.ceil(count / 64) * 64, tensors, layers }, weights).createContext().runSync([x], [y]);
  } finally {
    setThreads(before);
  }
  return y;
}

/** Round half to even. */
const rne = (v: number) => (Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));
const quantizeX = (v: number) => Math.min(255, Math.max(0, rne(Math.fround(v / GRID_X.scale)) + GRID_X.zeroPoint));
const quantizeY = (v: number) => Math.min(255, Math.max(0, rne(v / GRID_Y.scale) + GRID_Y.zeroPoint));

function activate(c: StemCase, v: number): number {
  if (c.activation === 'relu') return Math.max(0, v);
  if (c.activation === 'clip') return Math.min(1.5, Math.max(-0.5, v));
  if (c.activation === 'sigmoid') return 1 / (1 + Math.exp(-v));
  return v;
}

/** The convolution in float64 over the quantized input and the int8 weights (per channel, max|w| / 127). */
function float64Reference(c: StemCase, seed: number): Float64Array {
  const { x, w, bias } = data(c, seed);
  const [, oh, ow] = outShape(c) as [number, number, number, number];
  const k = c.c * c.kh * c.kw;
  const input = Float64Array.from(x, (v) => (quantizeX(v) - GRID_X.zeroPoint) * GRID_X.scale);
  const weights = new Float64Array(w.length);
  for (let o = 0; o < c.oc; o++) {
    let largest = 0;
    for (let i = 0; i < k; i++) largest = Math.max(largest, Math.abs(w[o * k + i]!));
    const scale = largest > 0 ? Math.fround(largest / 127) : 1;
    for (let i = 0; i < k; i++) weights[o * k + i] = Math.max(-128, Math.min(127, rne(Math.fround(w[o * k + i]! / scale)))) * scale;
  }
  const out = new Float64Array(c.n * oh * ow * c.oc);
  for (let n = 0; n < c.n; n++) {
    for (let y = 0; y < oh; y++) {
      for (let xo = 0; xo < ow; xo++) {
        for (let o = 0; o < c.oc; o++) {
          let sum = bias[o]!;
          for (let ci = 0; ci < c.c; ci++) {
            for (let kh = 0; kh < c.kh; kh++) {
              const ih = y * c.sh - c.pads[0] + kh * c.dh;
              if (ih < 0 || ih >= c.h) continue;
              for (let kw = 0; kw < c.kw; kw++) {
                const iw = xo * c.sw - c.pads[1] + kw * c.dw;
                if (iw < 0 || iw >= c.w) continue;
                sum += input[((n * c.c + ci) * c.h + ih) * c.w + iw]! * weights[((o * c.c + ci) * c.kh + kh) * c.kw + kw]!;
              }
            }
          }
          out[((n * oh + y) * ow + xo) * c.oc + o] = activate(c, sum);
        }
      }
    }
  }
  return out;
}

describe('qu8_conv_nchw variants match the scalar reference', () => {
  const { runnable, skipped } = variantsOf('qu8_conv_nchw');
  if (skipped.length) console.log(`[qu8_conv_nchw] skipped (not runnable here): ${skipped.join(', ')}`);
  const fast = runnable.filter((name) => !name.endsWith('__scalar'));

  it('lists its variants in one family, the reference last', () => {
    const names = kernels().filter((kernel) => kernel.family === 'qu8_conv_nchw').map((kernel) => kernel.name);
    expect(names).toEqual(['qu8_conv_nchw_6x64__avx512vnni', 'qu8_conv_nchw_14x32__avx512vnni', 'qu8_conv_nchw__scalar']);
    expect(kernels().filter((kernel) => kernel.family === 'qu8_conv').some((kernel) => kernel.name.includes('nchw'))).toBe(false);
  });

  CASES.forEach(([label, c], i) => {
    for (const threads of [1, 2]) {
      for (const variant of fast) {
        it(`${variant} ${label}, ${threads} thread(s)`, () => {
          const want = run('qu8_conv_nchw__scalar', c, 1, 700 + i);
          const got = run(variant, c, threads, 700 + i);
          if (c.activation !== 'sigmoid') {
            expect(Array.from(got)).toEqual(Array.from(want));
            return;
          }
          let worst = 0;
          for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
          expect(worst).toBeLessThanOrEqual(c.out === 'uint8' ? GRID_Y.scale * 1.001 : 2e-6);
        });
      }
    }
  });
});

describe('qu8_conv_nchw__scalar matches float64 arithmetic on the quantized input and int8 weights', () => {
  CASES.forEach(([label, c], i) => {
    it(label, () => {
      const got = run('qu8_conv_nchw__scalar', c, 1, 700 + i);
      const want = float64Reference(c, 700 + i);
      // uint8 outputs: one output step (ties of y / scale may round either way); fp32: float32 rounding.
      const atol = c.out === 'uint8' ? GRID_Y.scale * 1.001 : 1e-5;
      let worst = 0;
      let at = 0;
      for (let j = 0; j < got.length; j++) {
        const expected = c.out === 'uint8' ? (quantizeY(want[j]!) - GRID_Y.zeroPoint) * GRID_Y.scale : want[j]!;
        const delta = Math.abs(got[j]! - expected);
        if (delta > worst) [worst, at] = [delta, j];
      }
      expect(worst, `qu8_conv_nchw ${label}: max|Δ| ${worst.toExponential(2)} at [${at}]`).toBeLessThanOrEqual(atol);
    });
  });
});

describe('qu8_conv_nchw refuses what it does not take', () => {
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('the alias runs the first runnable variant', () => {
    const c = CASES[1]![1];
    const fastest = variantsOf('qu8_conv_nchw').runnable[0]!;
    expect(Array.from(run('qu8_conv_nchw', c, 1, 701))).toEqual(Array.from(run(fastest, c, 1, 701)));
  });

  it('rejects bad packing and bad layers with coded errors', () => {
    const c = CASES[0]![1];
    const variant = 'qu8_conv_nchw__scalar';
    const w = new Float32Array(c.oc * c.c * 9);
    // 5 input channels, groups, no input quantization, non-finite weights: packing refuses them.
    expectCoded(() => packWeights(variant, [8, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1], new Float32Array(8 * 5 * 9), options), 'ERR_ARGUMENT');
    expectCoded(() => packWeights(variant, [4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 2], new Float32Array(4 * 2 * 9), options), 'ERR_ARGUMENT');
    expectCoded(() => packWeights(variant, packShape(c), w), 'ERR_ARGUMENT');
    expectCoded(() => packWeights(variant, packShape(c), w.map((_, i) => (i === 5 ? Number.NaN : 0)), options), 'ERR_ARGUMENT');
    expectCoded(() => packWeights(variant, packShape(c), w.subarray(1), options), 'ERR_ARGUMENT');
    const packed = packWeights(variant, packShape(c), w, options);
    const out = outShape(c);
    const layer = (overrides: Partial<NativeProgram['layers'][number]>, x = [c.n, c.c, c.h, c.w], weightLength = packed.length) => {
      const tensors: NativeTensor[] = [
        { dtype: 'float32', shape: x, location: 'input', slot: 0 },
        { dtype: 'float32', shape: [weightLength], location: 'weights', offset: 0 },
        { dtype: 'float32', shape: out, location: 'output', slot: 0 },
      ];
      const weights = new Float32Array(Math.ceil(weightLength / 16) * 16);
      weights.set(packed.subarray(0, Math.min(packed.length, weightLength)));
      return () => createEngine({ arenaBytes: 0, tensors, layers: [{ kernel: variant, inputs: [0, 1], outputs: [2], params: [...convParams(c).slice(0, 11), 0, 0], ...overrides }] }, weights);
    };
    expect(() => layer({})()).not.toThrow();
    expectCoded(layer({}, [c.n, 5, c.h, c.w]), 'ERR_PROGRAM_INVALID');
    expectCoded(layer({}, [c.n, c.h, c.w, c.c]), 'ERR_PROGRAM_INVALID');
    expectCoded(layer({}, undefined, packed.length + 16), 'ERR_PROGRAM_INVALID');
    expectCoded(layer({ params: [...convParams(c).slice(0, 10), 3, 0, 0] }), 'ERR_PROGRAM_INVALID');
    expectCoded(layer({ params: [...convParams(c).slice(0, 11), 0, 0, 0.1, 3] }), 'ERR_PROGRAM_INVALID');
    expectCoded(layer({ epilogue: [{ op: 'Exp' }] }), 'ERR_PROGRAM_INVALID');
  });

  it('refuses a residual and an invalid uint8 output grid', () => {
    const c = CASES[0]![1];
    const packed = packWeights('qu8_conv_nchw__scalar', packShape(c), new Float32Array(c.oc * c.c * 9), options);
    const out = outShape(c);
    const weights = new Float32Array(Math.ceil(packed.length / 16) * 16);
    weights.set(packed);
    const program = (params: number[], residual: boolean): NativeProgram => ({
      arenaBytes: out.reduce((a, b) => a * b, 1),
      tensors: [
        { dtype: 'float32', shape: [c.n, c.c, c.h, c.w], location: 'input', slot: 0 },
        { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
        ...(residual ? [{ dtype: 'float32', shape: out, location: 'input', slot: 1 } as NativeTensor] : []),
        { dtype: 'uint8', shape: out, location: 'arena', offset: 0 },
      ],
      layers: [{ kernel: 'qu8_conv_nchw__scalar', inputs: residual ? [0, 1, 2] : [0, 1], outputs: [residual ? 3 : 2], params }],
    });
    expectCoded(() => createEngine(program([...convParams(c).slice(0, 11), 0, 1, GRID_Y.scale, GRID_Y.zeroPoint], true), weights), 'ERR_PROGRAM_INVALID');
    expectCoded(() => createEngine(program([...convParams(c).slice(0, 11), 0, 0, GRID_Y.scale, 300], false), weights), 'ERR_PROGRAM_INVALID');
    expectCoded(() => createEngine(program([...convParams(c).slice(0, 11), 0, 0], false), weights), 'ERR_PROGRAM_INVALID');
    expect(() => createEngine(program([...convParams(c).slice(0, 11), 0, 0, GRID_Y.scale, GRID_Y.zeroPoint], false), weights)).not.toThrow();
  });
});
