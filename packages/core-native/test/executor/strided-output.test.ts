import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, kernels, packWeights } from '../../src/index.js';
import { SEED, randomFloats, rng } from '../helpers/harness.js';

// Strided outputs (concat elimination), multi-output GEMM layers (horizontal fusion) and the
// x_concat_view layer: results must equal the dense, one-layer-per-branch runs bit for bit.

const runnable = (name: string) => kernels().some((kernel) => kernel.name === name && kernel.runnable);
const GEMM = ['f32_gemm_14x32__avx512', 'f32_gemm_6x16__avx2', 'f32_gemm_4x24__avx2', 'f32_gemm_4x4__scalar'].filter(runnable);
const CONV = ['f32_conv_im2col_14x32__avx512', 'f32_conv_1x1_6x16__avx2', 'f32_conv_1x1_4x24__avx2', 'f32_conv_im2col_6x16__avx2', 'f32_conv_im2col_4x4__scalar'].filter(runnable);

/** Blobs back to back at 64-byte offsets. */
function layout(blobs: Float32Array[]): { weights: Float32Array; offsets: number[] } {
  const offsets: number[] = [];
  let floats = 0;
  for (const blob of blobs) {
    offsets.push(floats * 4);
    floats = Math.ceil((floats + blob.length) / 16) * 16;
  }
  const weights = new Float32Array(floats);
  blobs.forEach((blob, i) => weights.set(blob, offsets[i]! / 4));
  return { weights, offsets };
}

function padded(parts: Float32Array[]): Float32Array {
  return layout(parts).weights;
}

async function expectInvalid(program: NativeProgram, weights: Float32Array, text: RegExp, label = '') {
  let caught: unknown;
  try {
    createEngine(program, weights);
  } catch (error) {
    caught = error;
  }
  expect(KilnError.isInstance(caught), `${label}: ${String(caught)}`).toBe(true);
  expect((caught as KilnError).code).toBe('ERR_PROGRAM_INVALID');
  expect((caught as KilnError).message).toMatch(text);
}

const M = 13;
const K = 19;
const SPLITS = [7, 33, 5];
const N = SPLITS.reduce((a, b) => a + b, 0);

/**
 * One split GEMM: outputs 0 and 1 are strided column ranges of an arena tensor [M, n0 + n1]
 * that an x_concat_view completes and an x_copy hands out; output 2 is a dense binding.
 */
function splitProgram(tactic: string, b: Float32Array, bias: Float32Array): { program: NativeProgram; weights: Float32Array } {
  const parts = SPLITS.map((n, i) => {
    const start = SPLITS.slice(0, i).reduce((a, c) => a + c, 0);
    const part = new Float32Array(K * n);
    for (let k = 0; k < K; k++) part.set(b.subarray(k * N + start, k * N + start + n), k * n);
    return packWeights(tactic, [K, n, 0], part);
  });
  const { weights, offsets } = layout([padded(parts), bias]);
  const wide = SPLITS[0]! + SPLITS[1]!;
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: [M, K], location: 'input', slot: 0 },
    { dtype: 'float32', shape: [padded(parts).length], location: 'weights', offset: offsets[0]! },
    { dtype: 'float32', shape: [N], location: 'weights', offset: offsets[1]! },
    { dtype: 'float32', shape: [M, SPLITS[0]!], location: 'arena', offset: 0, rowStride: wide },
    { dtype: 'float32', shape: [M, SPLITS[1]!], location: 'arena', offset: SPLITS[0]! * 4, rowStride: wide },
    { dtype: 'float32', shape: [M, SPLITS[2]!], location: 'output', slot: 1 },
    { dtype: 'float32', shape: [M, wide], location: 'arena', offset: 0 },
    { dtype: 'float32', shape: [M, wide], location: 'output', slot: 0 },
  ];
  return {
    weights,
    program: {
      arenaBytes: Math.ceil((M * wide * 4) / 64) * 64,
      tensors,
      layers: [
        { kernel: tactic, inputs: [0, 1, 2], outputs: [3, 4, 5], params: [K, N, 1, 0, ...SPLITS], epilogue: [{ op: 'Relu' }] },
        { kernel: 'x_concat_view__scalar', inputs: [3, 4], outputs: [6], params: [1] },
        { kernel: 'x_copy__scalar', inputs: [6], outputs: [7] },
      ],
    },
  };
}

/** Y = relu(A · B + bias) by one dense GEMM layer (the oracle for the split one). */
function denseGemm(tactic: string, a: Float32Array, b: Float32Array, bias: Float32Array): Float32Array {
  const packed = packWeights(tactic, [K, N, 0], b);
  const { weights, offsets } = layout([packed, bias]);
  const engine = createEngine({
    arenaBytes: 0,
    tensors: [
      { dtype: 'float32', shape: [M, K], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [packed.length], location: 'weights', offset: offsets[0]! },
      { dtype: 'float32', shape: [N], location: 'weights', offset: offsets[1]! },
      { dtype: 'float32', shape: [M, N], location: 'output', slot: 0 },
    ],
    layers: [{ kernel: tactic, inputs: [0, 1, 2], outputs: [3], params: [K, N, 1, 0], epilogue: [{ op: 'Relu' }] }],
  }, weights);
  const y = new Float32Array(M * N);
  engine.createContext().runSync([a], [y]);
  return y;
}

describe(`split and strided GEMM outputs (seed ${SEED}; KILN_TEST_SEED=${SEED} to repeat)`, () => {
  for (const tactic of GEMM) {
    it(`${tactic}: each output equals its columns of the dense GEMM, strided or not`, () => {
      const random = rng(SEED);
      const a = randomFloats(M * K, random);
      const b = randomFloats(K * N, random, -1, 1);
      const bias = randomFloats(N, random);
      const dense = denseGemm(tactic, a, b, bias);
      const { program, weights } = splitProgram(tactic, b, bias);
      const wide = SPLITS[0]! + SPLITS[1]!;
      const [joined, last] = [new Float32Array(M * wide), new Float32Array(M * SPLITS[2]!)];
      createEngine(program, weights).createContext().runSync([a], [joined, last]);
      for (let m = 0; m < M; m++) {
        expect(Array.from(joined.subarray(m * wide, (m + 1) * wide))).toEqual(Array.from(dense.subarray(m * N, m * N + wide)));
        expect(Array.from(last.subarray(m * SPLITS[2]!, (m + 1) * SPLITS[2]!))).toEqual(Array.from(dense.subarray(m * N + wide, (m + 1) * N)));
      }
    });
  }

  it('refuses malformed strides, views and split params (ERR_PROGRAM_INVALID, nothing runs)', async () => {
    const tactic = GEMM[0]!;
    const random = rng(SEED + 1);
    const fresh = () => splitProgram(tactic, randomFloats(K * N, random), randomFloats(N, random));
    const cases: [string, (program: NativeProgram) => void, RegExp][] = [
      ['stride below the last dim', (p) => (p.tensors[4]!.rowStride = SPLITS[1]! - 1), /Row stride must cover/],
      ['stride running past the arena', (p) => (p.tensors[4]!.rowStride = 1 << 20), /past the end/],
      ['negative stride', (p) => (p.tensors[3]!.rowStride = -4), /Negative row stride/],
      ['strided binding', (p) => (p.tensors[5]!.rowStride = 64), /Only arena tensors/],
      ['view at the wrong offset', (p) => (p.tensors[4]!.offset = 0), /not where Concat puts it/],
      ['strided tensor read by a copy', (p) => (p.layers[2]!.inputs = [4]), /reads a strided tensor/],
      ['strided output of a kernel without strides', (p) => p.layers.push({ kernel: 'f32_vunary__scalar', inputs: [6], outputs: [3], epilogue: [{ op: 'Relu' }] }), /cannot write a strided tensor/],
      ['split columns not adding up', (p) => (p.layers[0]!.params![5] = 32), /add up to N/],
    ];
    for (const [label, edit, text] of cases) {
      const { program, weights } = fresh();
      edit(program);
      await expectInvalid(program, weights, text, label);
    }
  });
});

describe(`strided convolution outputs (seed ${SEED})`, () => {
  const [H, W, C] = [7, 9, 5];
  /** Conv of x [1, H, W, C] into OC channels, 3x3 pad 1 (or 1x1), dense or into a wider tensor. */
  function conv(tactic: string, x: Float32Array, w: Float32Array, oc: number, size: number, stride: number, offset: number): Float32Array {
    const pad = size === 3 ? 1 : 0;
    const params = [size, size, 1, 1, 1, 1, pad, pad, pad, pad, 1, 0, 0];
    const packed = packWeights(tactic, [oc, C, ...params.slice(0, 11)], w);
    const width = stride > 0 ? stride : oc;
    const tensors: NativeTensor[] = [
      { dtype: 'float32', shape: [1, H, W, C], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
      { dtype: 'float32', shape: [1, H, W, oc], location: 'arena', offset: offset * 4, ...(stride > 0 ? { rowStride: stride } : {}) },
      { dtype: 'float32', shape: [1, H, W, width], location: 'arena', offset: 0 },
      { dtype: 'float32', shape: [1, H, W, width], location: 'output', slot: 0 },
    ];
    const layers: NativeProgram['layers'] = [{ kernel: tactic, inputs: [0, 1], outputs: [stride > 0 ? 2 : 3], params, epilogue: [{ op: 'Relu' }] }];
    layers.push({ kernel: 'x_copy__scalar', inputs: [3], outputs: [4] });
    const y = new Float32Array(H * W * width).fill(Number.NaN);
    createEngine({ arenaBytes: Math.ceil((H * W * width * 4) / 64) * 64, tensors, layers }, packed).createContext().runSync([x], [y]);
    return y;
  }

  for (const tactic of CONV) {
    it(`${tactic}: writes its channels in place, equal to the dense run`, () => {
      const random = rng(SEED + 2);
      const size = tactic.includes('1x1') ? 1 : 3;
      const [oc, stride, offset] = [11, 29, 13];
      const x = randomFloats(H * W * C, random);
      const w = randomFloats(oc * C * size * size, random, -1, 1);
      const dense = conv(tactic, x, w, oc, size, 0, 0);
      // One slice of a wider tensor: the arena is copied out through a dense tensor at the same offset.
      const strided = conv(tactic, x, w, oc, size, stride, offset);
      for (let pixel = 0; pixel < H * W; pixel++) {
        expect(Array.from(strided.subarray(pixel * stride + offset, pixel * stride + offset + oc))).toEqual(Array.from(dense.subarray(pixel * oc, (pixel + 1) * oc)));
      }
    });
  }

  it('refuses a strided output on a conv variant without strides (depthwise)', async () => {
    const tactic = kernels().find((kernel) => kernel.name.startsWith('f32_dwconv__') && kernel.runnable)!.name;
    const params = [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, C, 0, 0];
    const packed = packWeights(tactic, [C, C, ...params.slice(0, 11)], new Float32Array(C * 9));
    const program: NativeProgram = {
      arenaBytes: H * W * 16 * 4,
      tensors: [
        { dtype: 'float32', shape: [1, H, W, C], location: 'input', slot: 0 },
        { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
        { dtype: 'float32', shape: [1, H, W, C], location: 'arena', offset: 0, rowStride: 16 },
      ],
      layers: [{ kernel: tactic, inputs: [0, 1], outputs: [2], params }],
    };
    await expectInvalid(program, packed, /cannot write a strided tensor/);
  });
});
