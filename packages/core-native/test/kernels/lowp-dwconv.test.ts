// qu8_dwconv variants against the scalar reference, bit for bit on uint8 outputs: a qu8 1x1 conv
// writes the uint8 input, the depthwise layer under test writes uint8 (or fp32), and a 1x1
// identity depthwise (scalar) turns its bytes into fp32 exactly, so equal outputs mean equal
// bytes; fp32 outputs are compared exactly too (integer sums, then the same fp32 operations),
// except after Sigmoid (applied by the f32 epilogue rows, whose exp differs by ISA).
// Sweeps channels around the vector width (16) and the 64-byte lines, C = 1, odd and 1-pixel
// images, strides 1, 2 and 3, symmetric and asymmetric pads, dilation, 3x3, 5x5, 7x7, 1x1 and
// 3x5 kernels, zero points != 0, ReLU6 / ReLU / Sigmoid (the unfused epilogue) / none, 1 and 2
// threads (tasks then split an image's rows, and its channels where it has few rows). The scalar
// reference itself is checked against float64 arithmetic on the dequantized input and the
// int8-quantized weights, and at two threads against itself at one.
import { describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { randomFloats, rng } from '../helpers/harness.js';

interface DwCase {
  h: number;
  w: number;
  c: number;
  kh: number;
  kw: number;
  stride: number;
  /** top, left, bottom, right */
  pads: [number, number, number, number];
  dilation: number;
  activation: 'relu6' | 'relu' | 'sigmoid' | 'none';
  out: 'uint8' | 'float32';
}

/** Channels of the fp32 input the qu8 1x1 conv turns into the depthwise layer's uint8 input. */
const C_IN = 8;
const GRID_X = { scale: 0.031, zeroPoint: 131 };
const GRID_Y = { scale: 0.027, zeroPoint: 11 };

const ACTIVATIONS = {
  relu6: [{ op: 'Clip', alpha: 0, beta: 6 }],
  relu: [{ op: 'Relu' }],
  sigmoid: [{ op: 'Sigmoid' }],
  none: undefined,
} as Record<DwCase['activation'], NativeProgram['layers'][number]['epilogue']>;

const outSize = (c: DwCase) => ({
  oh: Math.floor((c.h + c.pads[0] + c.pads[2] - c.dilation * (c.kh - 1) - 1) / c.stride) + 1,
  ow: Math.floor((c.w + c.pads[1] + c.pads[3] - c.dilation * (c.kw - 1) - 1) / c.stride) + 1,
});

/** The case's data: input x, 1x1 weights, depthwise weights and bias. */
function data(c: DwCase, seed: number) {
  const random = rng(seed);
  return {
    x: randomFloats(c.h * c.w * C_IN, random, -2, 2),
    w1: randomFloats(c.c * C_IN, random, -0.4, 0.4),
    wdw: randomFloats(c.c * c.kh * c.kw, random, -0.7, 0.7),
    bias: randomFloats(c.c, random, -0.3, 0.3),
  };
}

function run(dw: string, c: DwCase, threads: number, seed: number): Float32Array {
  const { x, w1, wdw, bias } = data(c, seed);
  const { oh, ow } = outSize(c);
  const conv = variantsOf('qu8_conv').runnable.find((name) => name.includes('_1x1_'))!;
  const geometry = [c.kh, c.kw, c.stride, c.stride, c.dilation, c.dilation, ...c.pads];
  const blobs = [
    packWeights(conv, [c.c, C_IN, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w1, { inputScale: GRID_X.scale, inputZeroPoint: GRID_X.zeroPoint }),
    packWeights(dw, [c.c, c.c, ...geometry, c.c], wdw),
    bias,
    packWeights('qu8_dwconv__scalar', [c.c, c.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c.c], new Float32Array(c.c).fill(1)),
  ];
  const offsets: number[] = [];
  let floats = 0;
  for (const blob of blobs) {
    offsets.push(floats * 4);
    floats += Math.ceil(blob.length / 16) * 16;
  }
  const weights = new Float32Array(floats);
  blobs.forEach((blob, i) => weights.set(blob, offsets[i]! / 4));
  const yBytes = oh * ow * c.c;
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: [1, c.h, c.w, C_IN], location: 'input', slot: 0 },
    ...blobs.map((blob, i): NativeTensor => ({ dtype: 'float32', shape: [blob.length], location: 'weights', offset: offsets[i]! })),
    { dtype: 'uint8', shape: [1, c.h, c.w, c.c], location: 'arena', offset: 0 },
    c.out === 'uint8'
      ? { dtype: 'uint8', shape: [1, oh, ow, c.c], location: 'arena', offset: Math.ceil((c.h * c.w * c.c) / 64) * 64 }
      : { dtype: 'float32', shape: [1, oh, ow, c.c], location: 'output', slot: 0 },
  ];
  const epilogue = ACTIVATIONS[c.activation];
  const layers: NativeProgram['layers'] = [
    { kernel: conv, inputs: [0, 1], outputs: [5], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, GRID_X.scale, GRID_X.zeroPoint] },
    {
      kernel: dw,
      inputs: [5, 2, 3],
      outputs: [6],
      params: [...geometry, c.c, 1, 0, GRID_X.scale, GRID_X.zeroPoint, ...(c.out === 'uint8' ? [GRID_Y.scale, GRID_Y.zeroPoint] : [0, 0])],
      ...(epilogue ? { epilogue } : {}),
    },
  ];
  if (c.out === 'uint8') {
    tensors.push({ dtype: 'float32', shape: [1, oh, ow, c.c], location: 'output', slot: 0 });
    layers.push({ kernel: 'qu8_dwconv__scalar', inputs: [6, 4], outputs: [7], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c.c, 0, 0, GRID_Y.scale, GRID_Y.zeroPoint, 0, 0] });
  }
  const arena = Math.ceil((c.h * c.w * c.c) / 64) * 64 + Math.ceil(yBytes / 64) * 64;
  const y = new Float32Array(yBytes);
  const before = getThreads();
  setThreads(threads);
  try {
    createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync([x], [y]);
  } finally {
    setThreads(before);
  }
  return y;
}

/** requantize_row_u8's arithmetic: x * (1 / scale), round half even, + zero point, saturated. */
function quantize(v: number, grid: { scale: number; zeroPoint: number }): number {
  const q = Math.fround(v * Math.fround(1 / grid.scale));
  const r = Math.abs(q - Math.trunc(q)) === 0.5 ? 2 * Math.round(q / 2) : Math.round(q);
  return Math.min(255, Math.max(0, r + grid.zeroPoint));
}

/**
 * The depthwise layer in float64 over the dequantized uint8 input (the 1x1 conv's output, taken
 * from a qu8 1x1 conv run alone) and the int8 weights (per channel, scale max|w| / 127).
 */
function float64Reference(c: DwCase, seed: number): Float64Array {
  const { x, w1, wdw, bias } = data(c, seed);
  const conv = variantsOf('qu8_conv').runnable.find((name) => name.includes('_1x1_'))!;
  const packed = packWeights(conv, [c.c, C_IN, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w1, { inputScale: GRID_X.scale, inputZeroPoint: GRID_X.zeroPoint });
  const t = new Float32Array(c.h * c.w * c.c);
  const weights = new Float32Array(Math.ceil(packed.length / 16) * 16);
  weights.set(packed);
  createEngine(
    {
      arenaBytes: 0,
      tensors: [
        { dtype: 'float32', shape: [1, c.h, c.w, C_IN], location: 'input', slot: 0 },
        { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
        { dtype: 'float32', shape: [1, c.h, c.w, c.c], location: 'output', slot: 0 },
      ],
      layers: [{ kernel: conv, inputs: [0, 1], outputs: [2], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0] }],
    },
    weights,
  )
    .createContext()
    .runSync([x], [t]);
  const input = t.map((v) => (quantize(v, GRID_X) - GRID_X.zeroPoint) * GRID_X.scale);
  const taps = c.kh * c.kw;
  const { oh: outH, ow: outW } = outSize(c);
  const out = new Float64Array(outH * outW * c.c);
  for (let ch = 0; ch < c.c; ch++) {
    let largest = 0;
    for (let t = 0; t < taps; t++) largest = Math.max(largest, Math.abs(wdw[ch * taps + t]!));
    const scale = Math.fround(largest / 127);
    const wq = Array.from({ length: taps }, (_, t) => (scale > 0 ? Math.max(-127, Math.min(127, Math.round(Math.fround(wdw[ch * taps + t]! / scale)))) * scale : 0));
    for (let oh = 0; oh < outH; oh++) {
      for (let ow = 0; ow < outW; ow++) {
        let sum = bias[ch]!;
        for (let kh = 0; kh < c.kh; kh++) {
          for (let kw = 0; kw < c.kw; kw++) {
            const ih = oh * c.stride - c.pads[0] + kh * c.dilation;
            const iw = ow * c.stride - c.pads[1] + kw * c.dilation;
            if (ih >= 0 && ih < c.h && iw >= 0 && iw < c.w) sum += input[(ih * c.w + iw) * c.c + ch]! * wq[kh * c.kw + kw]!;
          }
        }
        const y = c.activation === 'relu6' ? Math.min(6, Math.max(0, sum)) : c.activation === 'relu' ? Math.max(0, sum) : c.activation === 'sigmoid' ? 1 / (1 + Math.exp(-sum)) : sum;
        out[(oh * outW + ow) * c.c + ch] = y;
      }
    }
  }
  return out;
}

const dwCase = (h: number, w: number, c: number, k: number | [number, number], stride: number, pads: number | DwCase['pads'], activation: DwCase['activation'], out: DwCase['out'], dilation = 1): DwCase => ({
  h,
  w,
  c,
  kh: typeof k === 'number' ? k : k[0],
  kw: typeof k === 'number' ? k : k[1],
  stride,
  pads: typeof pads === 'number' ? [pads, pads, pads, pads] : pads,
  dilation,
  activation,
  out,
});

const CASES: DwCase[] = [
  dwCase(9, 11, 40, 3, 1, 1, 'relu6', 'uint8'),
  dwCase(10, 13, 70, 3, 2, 1, 'relu6', 'uint8'),
  dwCase(1, 1, 16, 3, 1, 1, 'none', 'uint8'),
  dwCase(7, 5, 64, 3, 2, 0, 'none', 'uint8'),
  dwCase(17, 19, 17, 3, 1, 1, 'relu6', 'uint8'),
  dwCase(8, 9, 33, 5, 2, 2, 'relu6', 'uint8'),
  dwCase(6, 7, 24, 3, 1, 1, 'relu6', 'float32'),
  dwCase(5, 6, 1, 3, 1, 1, 'relu', 'uint8'),
  dwCase(2, 7, 3, 3, 2, [0, 1, 1, 0], 'none', 'float32'),
  dwCase(11, 1, 48, 5, 1, 2, 'relu', 'float32'),
  dwCase(9, 10, 130, 3, 2, [0, 0, 1, 1], 'relu6', 'uint8'),
  dwCase(12, 13, 31, 3, 1, 2, 'relu', 'uint8', 2),
  dwCase(10, 9, 20, 5, 3, [2, 1, 2, 3], 'none', 'uint8'),
  dwCase(9, 9, 19, 7, 1, 3, 'relu6', 'uint8'),
  dwCase(6, 8, 36, [3, 5], 1, [1, 2, 1, 2], 'sigmoid', 'uint8'),
  dwCase(6, 8, 18, 1, 1, 0, 'sigmoid', 'float32'),
  dwCase(13, 15, 96, 3, 2, 1, 'relu6', 'float32', 2),
  // Few rows, many channels: tasks split the channels (7x7x960 and 14x14x384 in mobilenet_v2).
  dwCase(7, 7, 200, 3, 1, 1, 'relu6', 'uint8'),
  dwCase(4, 9, 150, 3, 2, [1, 1, 1, 1], 'sigmoid', 'uint8'),
];

const label = (c: DwCase) => `${c.h}x${c.w}x${c.c} ${c.kh}x${c.kw} stride ${c.stride} pads ${c.pads.join(',')}${c.dilation > 1 ? ` dilation ${c.dilation}` : ''} ${c.activation} -> ${c.out}`;

describe('qu8_dwconv variants match the scalar reference', () => {
  const { runnable, skipped } = variantsOf('qu8_dwconv');
  const fast = runnable.filter((name) => !name.endsWith('__scalar'));
  // On a CPU without VNNI only the scalar reference runs (the builder then keeps depthwise layers in fp32).
  it('lists the scalar reference (runnable everywhere) and the VNNI variant', () => {
    expect(runnable).toContain('qu8_dwconv__scalar');
    expect([...runnable, ...skipped].sort()).toEqual(['qu8_dwconv__avx512vnni', 'qu8_dwconv__scalar']);
  });
  CASES.forEach((c, i) => {
    for (const threads of [1, 2]) {
      // The reference itself at two threads: its tasks split rows and channels as the fast rows' do.
      for (const variant of threads === 1 ? fast : [...fast, 'qu8_dwconv__scalar']) {
        it(`${variant} ${label(c)}, ${threads} thread(s)`, () => {
          const want = run('qu8_dwconv__scalar', c, 1, 900 + i);
          const got = run(variant, c, threads, 900 + i);
          if (c.activation !== 'sigmoid') {
            expect(Array.from(got)).toEqual(Array.from(want));
            return;
          }
          // Sigmoid runs after the row (the f32 epilogue rows: vector exp vs std::exp).
          let worst = 0;
          for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
          expect(worst).toBeLessThanOrEqual(c.out === 'uint8' ? GRID_Y.scale * 1.001 : 2e-6);
        });
      }
    }
  });
});

describe('qu8_dwconv__scalar matches float64 arithmetic with int8 weights', () => {
  CASES.forEach((c, i) => {
    it(label(c), () => {
      const got = run('qu8_dwconv__scalar', c, 1, 900 + i);
      const want = float64Reference(c, 900 + i);
      // uint8 outputs: one output step (ties of x / scale may round either way); fp32: float32 rounding.
      const atol = c.out === 'uint8' ? GRID_Y.scale * 1.001 : 1e-5;
      let worst = 0;
      let at = 0;
      for (let j = 0; j < got.length; j++) {
        const expected = c.out === 'uint8' ? (quantize(want[j]!, GRID_Y) - GRID_Y.zeroPoint) * GRID_Y.scale : want[j]!;
        const delta = Math.abs(got[j]! - expected);
        if (delta > worst) [worst, at] = [delta, j];
      }
      expect(worst, `${label(c)}: max|Δ| ${worst.toExponential(2)} at [${at}]`).toBeLessThanOrEqual(atol);
    });
  });
});
