// Depthwise rows handed to the row kernel several at a time: the driver passes each task's rows of
// one image in one call, and the AVX-512 blocked rows walk them 16-channel slice by slice when
// there are three or more slices (48+ channels) and a slice's input rows fit in L1. Batches of
// two images, 1 and 2 threads (tasks that end inside an image and ones that cross to the next),
// kernels 3, 5 and 7, strides 1 and 2, partial last slices, residuals and activations: every
// f32_dwconv variant matches the JS reference, and the AVX-512 3x3 row matches the generic
// AVX-512 row bit for bit (the same FMAs in the same order per output, whatever the loop order).
import { describe, expect, it } from 'vitest';
import { type NativeUnaryStep, packWeights, setThreads, getThreads } from '../../src/index.js';
import { type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

interface SliceCase extends ConvCase {
  residual: boolean;
  epilogue: NativeUnaryStep | undefined;
}

const EPILOGUES: Array<NativeUnaryStep | undefined> = [undefined, { op: 'Relu' }, { op: 'Clip', alpha: 0, beta: 6 }];

function cases(k: number): SliceCase[] {
  const out: SliceCase[] = [];
  let index = 0;
  for (const c of [48, 57, 96]) {
    for (const [h, w] of [[9, 14], [6, 20], [12, 28]] as const) {
      for (const stride of [1, 2]) {
        const pad = (k - 1) / 2;
        const pads: [number, number, number, number] = index % 3 === 2 ? [pad, 0, 0, pad] : [pad, pad, pad, pad];
        out.push({
          n: 2, h, w, c, oc: c, group: c, kh: k, kw: k, sh: stride, sw: stride, dh: 1, dw: 1, pads,
          residual: index % 2 === 0, epilogue: EPILOGUES[index % EPILOGUES.length],
        });
        index++;
      }
    }
  }
  return out;
}

function run(kernel: string, c: SliceCase, data: ReturnType<typeof inputsFor>): Float32Array {
  const oh = outSize(c.h, c.kh, c.sh, 1, c.pads[0], c.pads[2]);
  const ow = outSize(c.w, c.kw, c.sw, 1, c.pads[1], c.pads[3]);
  const { y, tactic } = runPacked({
    kernel, x: { data: data.x, shape: [c.n, c.h, c.w, c.c] },
    packed: packWeights(kernel, [c.c, c.c, c.kh, c.kw, c.sh, c.sw, 1, 1, ...c.pads, c.c], data.w), bias: data.bias,
    residual: c.residual ? data.residual : undefined, outShape: [c.n, oh, ow, c.c],
    params: [c.kh, c.kw, c.sh, c.sw, 1, 1, ...c.pads, c.c, 1, c.residual ? 1 : 0], epilogue: c.epilogue ? [c.epilogue] : [],
  });
  expect(tactic).toBe(kernel);
  return y;
}

function inputsFor(c: SliceCase, seed: number) {
  const random = rng(seed);
  const oh = outSize(c.h, c.kh, c.sh, 1, c.pads[0], c.pads[2]);
  const ow = outSize(c.w, c.kw, c.sw, 1, c.pads[1], c.pads[3]);
  return {
    x: randomFloats(c.n * c.h * c.w * c.c, random, -3, 3),
    w: randomFloats(c.c * c.kh * c.kw, random, -0.7, 0.7),
    bias: randomFloats(c.c, random, -0.5, 0.5),
    residual: randomFloats(c.n * oh * ow * c.c, random, -1, 1),
  };
}

describe('f32_dwconv rows by slices', () => {
  const all = variantsOf('f32_conv').runnable.filter((name) => name.startsWith('f32_dwconv'));
  for (const threads of [1, 2]) {
    for (const k of [3, 5, 7]) {
      it(`kernel ${k}, ${threads} thread(s): batches of 2 match the reference, the 3x3 row = the generic row bit for bit`, () => {
        const before = getThreads();
        setThreads(threads);
        try {
          const variants = all.filter((name) => k === 3 || !name.includes('_3x3_'));
          cases(k).forEach((c, index) => {
            const data = inputsFor(c, 4100 + k * 100 + index);
            const want = convReference(c, data.x, data.w, data.bias, c.residual ? data.residual : undefined, c.epilogue);
            const label = `${c.n}x${c.h}x${c.w}x${c.c} k${k} s${c.sh} pads ${c.pads.join(',')} residual=${c.residual} ${c.epilogue?.op ?? 'none'}`;
            for (const kernel of variants) expectClose(run(kernel, c, data), want, `${kernel} ${label}`, 2e-4, 2e-4);
            if (k === 3 && variants.includes('f32_dwconv_3x3__avx512')) {
              expectClose(run('f32_dwconv_3x3__avx512', c, data), run('f32_dwconv__avx512', c, data), `3x3 vs generic ${label}`, 0, 0);
            }
          });
        } finally {
          setThreads(before);
        }
      });
    }
  }
});
