// NHWC max pooling in fp32, bf16 and uint8 (f32_maxpool2d_nhwc, bf16_maxpool2d_nhwc,
// qu8_maxpool2d_nhwc): every variant against JS oracles of the exact fold each one promises, on
// odd shapes (ceil-mode edges, asymmetric and oversized pads, dilation, strides and widths the
// vector rows unroll and those they do not, channel counts around the vector widths, batch 2) at
// 1 and 2 threads, and the vector variants against the scalar reference bit for bit.
//
// The folds, as the kernels always had them: the vector variants fold a window's taps in ky, kx
// order as acc = vmaxps(acc, tap) (the tap wins unless acc is greater: a NaN tap wins, a NaN acc
// loses to the next tap, the later of two zeros wins); the fp32 reference as std::max from -inf
// (NaN never wins); the bf16 reference as the ONNX reference evaluator does (a tap replaces the
// max only when greater: the first of equal taps, or a leading NaN, stays). On data without NaN
// and signed zeros all of them agree with the reference evaluator's MaxPool.
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { rng, runLayer } from '../helpers/harness.js';

interface PoolCase {
  label: string;
  n: number; h: number; w: number; c: number;
  k: [number, number]; s: [number, number]; d: [number, number];
  pads: [number, number, number, number]; // top, left, bottom, right
  ceil: boolean;
}

const CASES: PoolCase[] = [
  { label: 'squeezenet 3x3 s2 ceil', n: 1, h: 23, w: 27, c: 67, k: [3, 3], s: [2, 2], d: [1, 1], pads: [0, 0, 0, 0], ceil: true },
  { label: '3x3 s2 pad 1 (resnet)', n: 2, h: 9, w: 20, c: 33, k: [3, 3], s: [2, 2], d: [1, 1], pads: [1, 1, 1, 1], ceil: false },
  { label: '3x3 s1 pad 1', n: 1, h: 6, w: 21, c: 130, k: [3, 3], s: [1, 1], d: [1, 1], pads: [1, 1, 1, 1], ceil: false },
  { label: '2x2 s2 ceil, odd sizes', n: 2, h: 7, w: 37, c: 17, k: [2, 2], s: [2, 2], d: [1, 1], pads: [0, 0, 0, 0], ceil: true },
  { label: '3x2 s2x3 asymmetric pads', n: 1, h: 11, w: 29, c: 64, k: [3, 2], s: [2, 3], d: [1, 1], pads: [2, 1, 0, 1], ceil: false },
  { label: '3x3 s2 dilation 2 pad 2', n: 1, h: 13, w: 30, c: 31, k: [3, 3], s: [2, 2], d: [2, 2], pads: [2, 2, 2, 2], ceil: true },
  { label: '5x5 s1 pad 2', n: 1, h: 8, w: 19, c: 16, k: [5, 5], s: [1, 1], d: [1, 1], pads: [2, 2, 2, 2], ceil: false },
  { label: '1x1 s2, one channel', n: 2, h: 5, w: 23, c: 1, k: [1, 1], s: [2, 2], d: [1, 1], pads: [0, 0, 0, 0], ceil: false },
  { label: '2x2 s1 pads wider than the window', n: 1, h: 4, w: 12, c: 3, k: [2, 2], s: [1, 1], d: [1, 1], pads: [3, 3, 3, 3], ceil: false },
  { label: '3x3 s2 window wider than the input', n: 1, h: 2, w: 2, c: 65, k: [3, 3], s: [2, 2], d: [1, 1], pads: [1, 1, 1, 1], ceil: true },
  // Two to four whole vectors of channels (fp32 16 lanes, bf16 32) run all of them per block of pixels.
  { label: '3x3 s2 ceil, 64 channels', n: 1, h: 13, w: 39, c: 64, k: [3, 3], s: [2, 2], d: [1, 1], pads: [0, 0, 0, 0], ceil: true },
  { label: '3x3 s1 pad 1, 48 channels', n: 1, h: 5, w: 22, c: 48, k: [3, 3], s: [1, 1], d: [1, 1], pads: [1, 1, 1, 1], ceil: false },
  { label: '2x2 s2, 96 channels', n: 1, h: 6, w: 21, c: 96, k: [2, 2], s: [2, 2], d: [1, 1], pads: [0, 0, 0, 0], ceil: false },
  { label: '3x3 s2 pad 1, 128 channels', n: 1, h: 7, w: 25, c: 128, k: [3, 3], s: [2, 2], d: [1, 1], pads: [1, 1, 1, 1], ceil: false },
];

/** ONNX MaxPool's output size (ceil_mode drops a last window that starts in the end padding). */
function outSize(size: number, k: number, s: number, d: number, begin: number, end: number, ceil: boolean): number {
  const span = size + begin + end - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + begin) out--;
  return out;
}

const outShape = (p: PoolCase) => [p.n, outSize(p.h, p.k[0], p.s[0], p.d[0], p.pads[0], p.pads[2], p.ceil), outSize(p.w, p.k[1], p.s[1], p.d[1], p.pads[1], p.pads[3], p.ceil), p.c];
const params = (p: PoolCase) => [...p.k, ...p.s, ...p.pads, ...p.d, 0];

/** Picks, per output element, the input index a fold chooses (-1: a window over padding only). */
function oracle(p: PoolCase, x: ArrayLike<number>, fold: (best: number, tap: number) => boolean, start?: number): Int32Array {
  const [, oh, ow] = outShape(p) as [number, number, number];
  const pick = new Int32Array(p.n * oh * ow * p.c);
  for (let n = 0; n < p.n; n++) for (let y = 0; y < oh; y++) for (let xo = 0; xo < ow; xo++) for (let c = 0; c < p.c; c++) {
    let best = -1;
    for (let ky = 0; ky < p.k[0]; ky++) {
      const iy = y * p.s[0] - p.pads[0] + ky * p.d[0];
      if (iy < 0 || iy >= p.h) continue;
      for (let kx = 0; kx < p.k[1]; kx++) {
        const ix = xo * p.s[1] - p.pads[1] + kx * p.d[1];
        if (ix < 0 || ix >= p.w) continue;
        const at = ((n * p.h + iy) * p.w + ix) * p.c + c;
        if (best < 0 ? start === undefined || fold(start, x[at]!) : fold(x[best]!, x[at]!)) best = at;
      }
    }
    pick[((n * oh + y) * ow + xo) * p.c + c] = best;
  }
  return pick;
}

// acc = vmaxps(acc, tap): the tap unless acc > tap.
const vmaxps = (best: number, tap: number) => !(best > tap);
// acc = std::max(acc, tap) = acc < tap ? tap : acc.
const stdMax = (best: number, tap: number) => best < tap;
// The reference evaluator: a tap replaces the max only when greater.
const greater = (best: number, tap: number) => tap > best;

/** Output words from the picked input words, `empty` where the window had no tap. */
function gather(pick: Int32Array, words: Uint32Array | Uint16Array | Uint8Array, empty: number): number[] {
  return Array.from(pick, (at) => (at < 0 ? empty : words[at]!));
}

function expectWords(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string) {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new Error(`${label}: output element ${i} is 0x${actual[i]!.toString(16)}, expected 0x${expected[i]!.toString(16)}`);
  }
}

const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));
const random = rng(4807);

/** fp32 words: mostly a few values (many ties), with NaNs of both signs, infinities and zeros of both signs when `special`. */
function floatWords(count: number, special: boolean): Uint32Array {
  const pool = new Float32Array([-3, -1.5, -0.25, 0.5, 1, 2, 7.25, 1e-30]);
  const words = new Uint32Array(count);
  const asFloat = new Float32Array(words.buffer);
  const specials = [0x7fc00000, 0xffc00000, 0x7fc12340, 0x7f800000, 0xff800000, 0x00000000, 0x80000000];
  for (let i = 0; i < count; i++) {
    const r = random();
    if (special && r < 0.25) words[i] = specials[Math.floor(random() * specials.length)]!;
    else asFloat[i] = r < 0.6 ? pool[Math.floor(random() * pool.length)]! : (random() - 0.5) * 100;
  }
  return words;
}

describe('f32_maxpool2d_nhwc', () => {
  const variants = variantsOf('f32_maxpool2d_nhwc').runnable;
  it('has a scalar reference and the vector variants this CPU runs', () => {
    expect(variants).toContain('f32_maxpool2d_nhwc__scalar');
  });
  for (const p of CASES) {
    for (const special of [false, true]) {
      it(`${p.label} [${p.n},${p.h},${p.w},${p.c}]${special ? ' with NaN, inf and -0' : ''}: every variant folds as it promises, at 1 and 2 threads`, () => {
        const words = floatWords(p.n * p.h * p.w * p.c, special);
        const x = new Float32Array(words.buffer);
        const expected = {
          vector: gather(oracle(p, x, vmaxps), words, 0xff800000),
          scalar: gather(oracle(p, x, stdMax, Number.NEGATIVE_INFINITY), words, 0xff800000),
        };
        if (!special) expectWords(expected.vector, expected.scalar, `${p.label}: the oracles agree without NaN and -0`);
        for (const threads of [1, 2]) {
          setThreads(threads);
          for (const kernel of variants) {
            const y = runLayer({ kernel, inputs: [{ data: x, shape: [p.n, p.h, p.w, p.c] }], output: { shape: outShape(p) }, params: params(p) }) as Float32Array;
            const want = kernel.endsWith('__scalar') ? expected.scalar : expected.vector;
            expectWords(new Uint32Array(y.buffer, y.byteOffset, y.length), want, `${kernel} ${p.label} threads ${threads}`);
          }
        }
      });
    }
  }
});

/** One program: fp32 input -> `first` -> pool -> `last` -> fp32 output; the narrow tensors in the arena. */
function narrowChain(x: Float32Array, p: PoolCase, dtype: 'bfloat16' | 'uint8', pool: string, first: NativeProgram['layers'][number], last: NativeProgram['layers'][number], weights: Float32Array, weightTensors: NativeTensor[]): Float32Array {
  const inShape = [p.n, p.h, p.w, p.c];
  const out = outShape(p);
  const bytes = (shape: number[]) => Math.ceil((shape.reduce((a, b) => a * b, 1) * (dtype === 'uint8' ? 1 : 2)) / 64) * 64;
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: inShape, location: 'input', slot: 0 },
    ...weightTensors,
    { dtype, shape: inShape, location: 'arena', offset: 0 },
    { dtype, shape: out, location: 'arena', offset: bytes(inShape) },
    { dtype: 'float32', shape: out, location: 'output', slot: 0 },
  ];
  const [a, b, y] = [tensors.length - 3, tensors.length - 2, tensors.length - 1];
  const layers: NativeProgram['layers'] = [
    { ...first, inputs: [0, ...first.inputs], outputs: [a] },
    { kernel: pool, inputs: [a], outputs: [b], params: params(p) },
    { ...last, inputs: [b, ...last.inputs], outputs: [y] },
  ];
  const result = new Float32Array(out.reduce((s, v) => s * v, 1));
  createEngine({ arenaBytes: bytes(inShape) + bytes(out), tensors, layers }, weights).createContext().runSync([x], [result]);
  return result;
}

describe('bf16_maxpool2d_nhwc', () => {
  const variants = variantsOf('bf16_maxpool2d_nhwc').runnable;
  it('has a scalar reference', () => expect(variants).toContain('bf16_maxpool2d_nhwc__scalar'));
  for (const p of CASES) {
    for (const special of [false, true]) {
      it(`${p.label} [${p.n},${p.h},${p.w},${p.c}]${special ? ' with NaN and inf' : ''}: every variant folds as it promises, at 1 and 2 threads`, () => {
        // bf16 values as fp32 with zero low halves: the copies into and out of bf16 are exact, but
        // for -0, which the copy (0 + x * 1) turns into +0.
        const words = floatWords(p.n * p.h * p.w * p.c, special).map((word) => (word === 0x80000000 ? 0 : word & 0xffff0000));
        const x = new Float32Array(words.buffer);
        const halves = Uint16Array.from(words, (word) => word >>> 16);
        const widen = (list: number[]) => list.map((half) => (half << 16) >>> 0);
        const expected = {
          vector: widen(gather(oracle(p, x, vmaxps), halves, 0xff80)),
          scalar: widen(gather(oracle(p, x, greater), halves, 0xff80)),
        };
        if (!special) expectWords(expected.vector, expected.scalar, `${p.label}: the oracles agree without NaN and -0`);
        const ones = new Float32Array(Math.ceil(p.c / 16) * 16).fill(1);
        const weightTensors: NativeTensor[] = [{ dtype: 'float32', shape: [ones.length], location: 'weights', offset: 0 }];
        const copy = { kernel: 'bf16_dwconv__scalar', inputs: [1], outputs: [], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, p.c, 0, 0] };
        const packed = packWeights('bf16_dwconv__scalar', [p.c, p.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, p.c], ones.subarray(0, p.c));
        const weights = new Float32Array(Math.ceil(packed.length / 16) * 16);
        weights.set(packed);
        weightTensors[0]!.shape = [packed.length];
        for (const threads of [1, 2]) {
          setThreads(threads);
          for (const kernel of variants) {
            const y = narrowChain(x, p, 'bfloat16', kernel, copy, copy, weights, weightTensors);
            const want = kernel.endsWith('__scalar') ? expected.scalar : expected.vector;
            expectWords(new Uint32Array(y.buffer, y.byteOffset, y.length), want, `${kernel} ${p.label} threads ${threads}`);
          }
        }
      });
    }
  }
});

describe('qu8_maxpool2d_nhwc', () => {
  const variants = variantsOf('qu8_maxpool2d_nhwc').runnable;
  it('has a scalar reference', () => expect(variants).toContain('qu8_maxpool2d_nhwc__scalar'));
  // uint8 in and out of the arena through a 1x1 qu8 conv with identity weights on the grid
  // (scale 1, zero point 0): integers 0..255 pass through exactly.
  // The conv does not take a single channel: that case pools two.
  const conv = 'qu8_conv_im2col_4x4c4__scalar';
  for (const p of CASES.map((q) => ({ ...q, c: Math.max(q.c, 2) }))) {
    it(`${p.label} [${p.n},${p.h},${p.w},${p.c}]: every variant is the max of the valid taps, at 1 and 2 threads`, () => {
      const bytes = Uint8Array.from({ length: p.n * p.h * p.w * p.c }, () => (random() < 0.3 ? [0, 1, 254, 255][Math.floor(random() * 4)]! : Math.floor(random() * 256)));
      const x = Float32Array.from(bytes);
      const want = gather(oracle(p, x, greater), bytes, 0);
      const identity = new Float32Array(p.c * p.c);
      for (let i = 0; i < p.c; i++) identity[i * p.c + i] = 1;
      const packed = packWeights(conv, [p.c, p.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], identity, { inputScale: 1, inputZeroPoint: 0 });
      const weights = new Float32Array(Math.ceil(packed.length / 16) * 16);
      weights.set(packed);
      const weightTensors: NativeTensor[] = [{ dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 }];
      const convParams = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0];
      const write = { kernel: conv, inputs: [1], outputs: [], params: [...convParams, 1, 0] };
      const read = { kernel: conv, inputs: [1], outputs: [], params: convParams };
      for (const threads of [1, 2]) {
        setThreads(threads);
        for (const kernel of variants) {
          const y = narrowChain(x, p, 'uint8', kernel, write, read, weights, weightTensors);
          expectWords(Array.from(y, Math.round), want, `${kernel} ${p.label} threads ${threads}`);
        }
      }
    });
  }
});
