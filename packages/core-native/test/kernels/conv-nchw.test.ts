// f32_conv_nchw layers (NCHW input, NHWC output, few input channels) through the executor: every
// runnable variant against the NHWC JS reference on the transposed input, over a sweep of input
// channels 1..4, odd sizes, pads, strides 1-4, dilation, output channels around the register
// tiles, each fused activation, bias and residual, at 1 and 2 threads; bad layers get coded errors.
import { afterAll, describe, expect, it } from 'vitest';
import { getThreads, kernels, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { ACTIVATIONS, type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

const conv = (c: Partial<ConvCase> & Pick<ConvCase, 'c' | 'oc' | 'kh' | 'kw'>): ConvCase => ({
  n: 1, h: 9, w: 11, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], group: 1, ...c,
});

const CASES: Array<[string, ConvCase]> = [
  ['stem 3x3 s2 pad 1, 3 -> 32', conv({ h: 23, w: 29, c: 3, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['stem 3x3 s2 no pad, 3 -> 64', conv({ h: 25, w: 31, c: 3, oc: 64, kh: 3, kw: 3, sh: 2, sw: 2 })],
  ['1 channel 5x5 pad 2, -> 17', conv({ h: 13, w: 14, c: 1, oc: 17, kh: 5, kw: 5, pads: [2, 2, 2, 2] })],
  ['2 channels 3x3 stride 3, -> 5', conv({ n: 2, h: 16, w: 19, c: 2, oc: 5, kh: 3, kw: 3, sh: 3, sw: 3, pads: [1, 0, 1, 2] })],
  ['4 channels 7x7 s2 pad 3, -> 70', conv({ h: 21, w: 27, c: 4, oc: 70, kh: 7, kw: 7, sh: 2, sw: 2, pads: [3, 3, 3, 3] })],
  ['3 channels 3x2 stride 4x1 asymmetric pads, -> 33', conv({ h: 19, w: 13, c: 3, oc: 33, kh: 3, kw: 2, sh: 4, sw: 1, pads: [0, 2, 1, 0] })],
  ['3 channels dilation 2, stride 1x4, -> 48', conv({ h: 15, w: 30, c: 3, oc: 48, kh: 3, kw: 3, sw: 4, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  ['1x1, 4 channels, -> 100', conv({ h: 6, w: 37, c: 4, oc: 100, kh: 1, kw: 1 })],
  ['wide 11x11 s4 pad 2, 3 -> 16 (many taps)', conv({ h: 47, w: 45, c: 3, oc: 16, kh: 11, kw: 11, sh: 4, sw: 4, pads: [2, 2, 2, 2] })],
  ['single output pixel, 2 -> 9', conv({ h: 3, w: 3, c: 2, oc: 9, kh: 3, kw: 3 })],
  // Few output channels, any input channels (the 32x4 variant; the stem variants take the last two).
  ['8 channels 9x9 pad 4, -> 3 (an image-to-image head)', conv({ h: 13, w: 45, c: 8, oc: 3, kh: 9, kw: 9, pads: [4, 4, 4, 4] })],
  ['6 channels 3x3 stride 2x1 pad 1, -> 1', conv({ n: 2, h: 12, w: 35, c: 6, oc: 1, kh: 3, kw: 3, sh: 2, pads: [1, 1, 1, 1] })],
  ['5 channels 1x1, -> 2', conv({ h: 5, w: 33, c: 5, oc: 2, kh: 1, kw: 1 })],
  ['3 channels 3x3 dilation 2x1 pad 2x1, -> 4', conv({ h: 11, w: 70, c: 3, oc: 4, kh: 3, kw: 3, dh: 2, pads: [2, 1, 2, 1] })],
  ['2 channels 3x3 pad 1, -> 2 (a row of 16)', conv({ h: 4, w: 16, c: 2, oc: 2, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
];

/** Whether a variant takes a case: stem variants few input channels, the 32x4 one few output channels at stride 1 along W. */
const takes = (variant: string, c: ConvCase) => (variant.includes('_direct_') ? c.c <= 4 || (c.oc <= 4 && c.sw === 1 && c.dw === 1) : variant.includes('_32x4_') ? c.oc <= 4 && c.sw === 1 && c.dw === 1 : c.c <= 4);

const params = (c: ConvCase, bias: boolean, residual: boolean) => [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group, bias ? 1 : 0, residual ? 1 : 0];
const packShape = (c: ConvCase) => [c.oc, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group];
const outShape = (c: ConvCase) => [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]), c.oc];

function toNhwc(x: Float32Array, c: ConvCase): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < c.n; n++) for (let ch = 0; ch < c.c; ch++) for (let i = 0; i < c.h * c.w; i++) y[(n * c.h * c.w + i) * c.c + ch] = x[(n * c.c + ch) * c.h * c.w + i]!;
  return y;
}

describe('f32_conv_nchw through the executor', () => {
  const { runnable, skipped } = variantsOf('f32_conv_nchw');
  if (skipped.length) console.log(`[conv_nchw] skipped (not runnable here): ${skipped.join(', ')}`);
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('lists its variants in one family, the reference last', () => {
    const names = kernels().filter((k) => k.family === 'f32_conv_nchw').map((k) => k.name);
    expect(names).toEqual(['f32_conv_nchw_6x64__avx512', 'f32_conv_nchw_14x32__avx512', 'f32_conv_nchw_32x4__avx512', 'f32_conv_nchw_6x16__avx2', 'f32_conv_nchw_4x8__scalar', 'f32_conv_nchw_direct__scalar']);
    expect(kernels().filter((k) => k.family === 'f32_conv').some((k) => k.name.includes('nchw'))).toBe(false);
  });

  for (const threads of [1, 2]) {
    CASES.forEach(([label, c], caseIndex) => {
      it(`${label}, ${threads} thread(s): every runnable variant matches the reference`, () => {
        setThreads(threads);
        const random = rng(5000 + caseIndex);
        const x = randomFloats(c.n * c.c * c.h * c.w, random, -1, 1);
        const w = randomFloats(c.oc * c.c * c.kh * c.kw, random, -1, 1);
        const out = outShape(c);
        const outCount = out.reduce((a, b) => a * b, 1);
        const xNhwc = toNhwc(x, c);
        runnable.forEach((variant, variantIndex) => {
          if (!takes(variant, c)) return;
          const mix = caseIndex + variantIndex + threads;
          const step = mix % 4 === 0 ? undefined : ACTIVATIONS[mix % ACTIVATIONS.length]!;
          const bias = mix % 2 === 0 ? randomFloats(c.oc, random, -1, 1) : undefined;
          const residual = mix % 3 === 1 ? randomFloats(outCount, random, -1, 1) : undefined;
          const packed = packWeights(variant, packShape(c), w);
          const { y, tactic } = runPacked({
            kernel: variant, x: { data: x, shape: [c.n, c.c, c.h, c.w] }, packed, bias, residual, outShape: out,
            params: params(c, bias !== undefined, residual !== undefined), epilogue: step ? [step] : [],
          });
          expect(tactic).toBe(variant);
          const expected = convReference({ ...c }, xNhwc, w, bias, residual, step);
          expectClose(y, expected, `ConvNchw ${label} ${variant} ${step?.op ?? 'none'} bias=${!!bias} residual=${!!residual} threads=${threads}`, 2e-4, 2e-4);
        });
      });
    });
  }

  it('family name f32_conv_nchw resolves to the first runnable variant', () => {
    const c = CASES[0]![1];
    const random = rng(91);
    const x = randomFloats(c.n * c.c * c.h * c.w, random, -1, 1);
    const w = randomFloats(c.oc * c.c * 9, random, -1, 1);
    const packed = packWeights('f32_conv_nchw', packShape(c), w);
    const { y, tactic } = runPacked({ kernel: 'f32_conv_nchw', x: { data: x, shape: [1, c.c, c.h, c.w] }, packed, outShape: outShape(c), params: params(c, false, false), epilogue: [{ op: 'Relu' }] });
    expect(tactic).toBe(runnable[0]);
    expectClose(y, convReference(c, toNhwc(x, c), w, undefined, undefined, { op: 'Relu' }), 'ConvNchw alias', 2e-4, 2e-4);
  });

  it('rejects convolutions it does not take, wrong shapes and wrong packed sizes with coded errors', () => {
    const c = CASES[0]![1];
    const variant = runnable[0]!;
    const packed = packWeights(variant, packShape(c), new Float32Array(c.oc * c.c * 9));
    const base = { kernel: variant, x: { data: new Float32Array(c.c * c.h * c.w), shape: [1, c.c, c.h, c.w] }, packed, outShape: outShape(c), params: params(c, false, false) };
    // 5 input channels, or groups: packing and the layer refuse them.
    expectCoded(() => packWeights(variant, [8, 5, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1], new Float32Array(8 * 5 * 9)), 'ERR_ARGUMENT');
    expectCoded(() => packWeights(variant, [4, 4, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 2], new Float32Array(4 * 2 * 9)), 'ERR_ARGUMENT');
    expectCoded(() => runPacked({ ...base, x: { data: new Float32Array(5 * c.h * c.w), shape: [1, 5, c.h, c.w] } }), 'ERR_PROGRAM_INVALID');
    // An NHWC-shaped input ([1, H, W, C]) does not match the output size formula.
    expectCoded(() => runPacked({ ...base, x: { data: new Float32Array(c.c * c.h * c.w), shape: [1, c.h, c.w, c.c] } }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runPacked({ ...base, packed: new Float32Array(packed.length + 16) }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runPacked({ ...base, outShape: [1, 1, 1, c.oc] }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runPacked({ ...base, epilogue: [{ op: 'Exp' }] }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runPacked({ ...base, params: params(c, false, false).slice(0, 12) }), 'ERR_PROGRAM_INVALID');
  });

  it.skipIf(!runnable.includes('f32_conv_nchw_32x4__avx512'))('refuses the few-output variant where it does not apply, with coded errors', () => {
    // 5 output channels, and stride 2 along W.
    expectCoded(() => packWeights('f32_conv_nchw_32x4__avx512', [5, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1], new Float32Array(5 * 8 * 9)), 'ERR_ARGUMENT');
    expectCoded(() => packWeights('f32_conv_nchw_32x4__avx512', [3, 8, 3, 3, 1, 2, 1, 1, 0, 0, 0, 0, 1], new Float32Array(3 * 8 * 9)), 'ERR_ARGUMENT');
    // A stem variant does not take 8 input channels even when the output has 3.
    expectCoded(() => packWeights(runnable[0]!, [3, 8, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1], new Float32Array(3 * 8 * 9)), 'ERR_ARGUMENT');
  });
});
