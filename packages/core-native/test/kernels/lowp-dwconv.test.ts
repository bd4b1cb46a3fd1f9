// qu8_dwconv variants against the scalar reference, bit for bit on uint8 outputs: a qu8 1x1 conv
// writes the uint8 input, the depthwise layer under test writes uint8 (or fp32), and a 1x1
// identity depthwise (scalar) turns its bytes into fp32 exactly, (q - z) * s, so equal outputs
// mean equal bytes. Sweeps channels around the vector widths (16, 64), odd and 1-pixel images,
// strides 1 and 2, pads, 3x3 and 5x5 kernels, zero points != 0, ReLU6 / none, 1 and 2 threads.
import { describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { randomFloats, rng } from '../helpers/harness.js';

interface DwCase {
  h: number;
  w: number;
  c: number;
  k: number;
  stride: number;
  pad: number;
  relu6: boolean;
  out: 'uint8' | 'float32';
}

const GRID_X = { scale: 0.031, zeroPoint: 131 };
const GRID_Y = { scale: 0.027, zeroPoint: 11 };

function run(dw: string, c: DwCase, threads: number, seed: number): Float32Array {
  const random = rng(seed);
  const x = randomFloats(c.h * c.w * c.c, random, -2, 2);
  const w1 = randomFloats(c.c * c.c, random, -0.4, 0.4);
  const wdw = randomFloats(c.c * c.k * c.k, random, -0.7, 0.7);
  const bias = randomFloats(c.c, random, -0.3, 0.3);
  const oh = Math.floor((c.h + 2 * c.pad - c.k) / c.stride) + 1;
  const ow = Math.floor((c.w + 2 * c.pad - c.k) / c.stride) + 1;
  const conv = variantsOf('qu8_conv').runnable.find((name) => name.includes('_1x1_'))!;
  const blobs = [
    packWeights(conv, [c.c, c.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w1, { inputScale: GRID_X.scale, inputZeroPoint: GRID_X.zeroPoint }),
    packWeights(dw, [c.c, c.c, c.k, c.k, c.stride, c.stride, 1, 1, c.pad, c.pad, c.pad, c.pad, c.c], wdw),
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
    { dtype: 'float32', shape: [1, c.h, c.w, c.c], location: 'input', slot: 0 },
    ...blobs.map((blob, i): NativeTensor => ({ dtype: 'float32', shape: [blob.length], location: 'weights', offset: offsets[i]! })),
    { dtype: 'uint8', shape: [1, c.h, c.w, c.c], location: 'arena', offset: 0 },
    c.out === 'uint8'
      ? { dtype: 'uint8', shape: [1, oh, ow, c.c], location: 'arena', offset: Math.ceil((c.h * c.w * c.c) / 64) * 64 }
      : { dtype: 'float32', shape: [1, oh, ow, c.c], location: 'output', slot: 0 },
  ];
  const relu6 = [{ op: 'Clip', alpha: 0, beta: 6 }] as NativeProgram['layers'][number]['epilogue'];
  const layers: NativeProgram['layers'] = [
    { kernel: conv, inputs: [0, 1], outputs: [5], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, GRID_X.scale, GRID_X.zeroPoint] },
    {
      kernel: dw,
      inputs: [5, 2, 3],
      outputs: [6],
      params: [c.k, c.k, c.stride, c.stride, 1, 1, c.pad, c.pad, c.pad, c.pad, c.c, 1, 0, GRID_X.scale, GRID_X.zeroPoint, ...(c.out === 'uint8' ? [GRID_Y.scale, GRID_Y.zeroPoint] : [0, 0])],
      ...(c.relu6 ? { epilogue: relu6 } : {}),
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

const CASES: DwCase[] = [
  { h: 9, w: 11, c: 40, k: 3, stride: 1, pad: 1, relu6: true, out: 'uint8' },
  { h: 10, w: 13, c: 70, k: 3, stride: 2, pad: 1, relu6: true, out: 'uint8' },
  { h: 1, w: 1, c: 16, k: 3, stride: 1, pad: 1, relu6: false, out: 'uint8' },
  { h: 7, w: 5, c: 64, k: 3, stride: 2, pad: 0, relu6: false, out: 'uint8' },
  { h: 17, w: 19, c: 17, k: 3, stride: 1, pad: 1, relu6: true, out: 'uint8' },
  { h: 8, w: 9, c: 33, k: 5, stride: 2, pad: 2, relu6: true, out: 'uint8' },
  { h: 6, w: 7, c: 24, k: 3, stride: 1, pad: 1, relu6: true, out: 'float32' },
];

describe('qu8_dwconv variants match the scalar reference', () => {
  const fast = variantsOf('qu8_dwconv').runnable.filter((name) => !name.endsWith('__scalar'));
  CASES.forEach((c, i) => {
    for (const threads of [1, 2]) {
      for (const variant of fast) {
        it(`${variant} ${c.h}x${c.w}x${c.c} ${c.k}x${c.k} stride ${c.stride} pad ${c.pad}${c.relu6 ? ' ReLU6' : ''} -> ${c.out}, ${threads} thread(s)`, () => {
          const want = run('qu8_dwconv__scalar', c, 1, 900 + i);
          const got = run(variant, c, threads, 900 + i);
          if (c.out === 'uint8') {
            expect(Array.from(got)).toEqual(Array.from(want));
          } else {
            let worst = 0;
            for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j]! - want[j]!));
            expect(worst).toBeLessThan(2e-5);
          }
        });
      }
    }
  });
});
