// f32_deconv (ConvTranspose) through the executor: every runnable variant, weights packed with
// packWeights, against a JS scatter-form reference (the kernels gather) over strides, dilations,
// pads, output padding and groups, with bias and each fusable activation.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { packWeights } from '../../src/index.js';
import type { NativeUnaryStep } from '../../src/index.js';
import { ACTIVATIONS, activate, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

interface DeconvCase {
  n: number; h: number; w: number; c: number; oc: number; kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number; pads: [number, number, number, number]; outPad: [number, number]; group: number;
}
const deconv = (c: Partial<DeconvCase> & Pick<DeconvCase, 'c' | 'oc' | 'kh' | 'kw'>): DeconvCase => ({
  n: 1, h: 5, w: 6, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], outPad: [0, 0], group: 1, ...c,
});
const CASES: Array<[string, DeconvCase]> = [
  ['3x3 stride 1', deconv({ c: 5, oc: 7, kh: 3, kw: 3 })],
  ['4x4 stride 2 pad 1 (2x upsampling)', deconv({ n: 2, h: 7, w: 5, c: 16, oc: 33, kh: 4, kw: 4, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['2x2 stride 2', deconv({ h: 4, w: 9, c: 8, oc: 17, kh: 2, kw: 2, sh: 2, sw: 2 })],
  ['3x3 stride 2 output padding 1', deconv({ c: 3, oc: 4, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1], outPad: [1, 1] })],
  ['grouped (2 groups) asymmetric pads', deconv({ c: 6, oc: 10, kh: 3, kw: 2, group: 2, sh: 2, sw: 1, pads: [0, 1, 2, 0] })],
  ['depthwise dilation 2', deconv({ h: 6, w: 6, c: 9, oc: 9, group: 9, kh: 3, kw: 3, dh: 2, dw: 2, pads: [1, 2, 1, 2] })],
  ['1x1', deconv({ h: 3, w: 3, c: 31, oc: 15, kh: 1, kw: 1 })],
];

const outSize = (size: number, k: number, s: number, d: number, p0: number, p1: number, op: number) => (size - 1) * s - p0 - p1 + d * (k - 1) + op + 1;
const outShape = (c: DeconvCase) => [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2], c.outPad[0]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3], c.outPad[1]), c.oc];
const packShape = (c: DeconvCase) => [c.c, c.oc, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, ...c.outPad, c.group];
const params = (c: DeconvCase, bias: boolean) => [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, ...c.outPad, c.group, bias ? 1 : 0];

/** Scatter form: every input pixel adds its kernel-weighted contribution to the output (NHWC). */
function reference(c: DeconvCase, x: Float32Array, w: Float32Array, bias: Float32Array | undefined, step: NativeUnaryStep | undefined): Float32Array {
  const [, oh, ow] = outShape(c) as [number, number, number, number];
  const y = new Float32Array(c.n * oh * ow * c.oc);
  const cinG = c.c / c.group;
  const coutG = c.oc / c.group;
  for (let n = 0; n < c.n; n++)
    for (let ih = 0; ih < c.h; ih++)
      for (let iw = 0; iw < c.w; iw++)
        for (let ci = 0; ci < c.c; ci++) {
          const v = x[((n * c.h + ih) * c.w + iw) * c.c + ci]!;
          const g = Math.floor(ci / cinG);
          for (let ky = 0; ky < c.kh; ky++)
            for (let kx = 0; kx < c.kw; kx++) {
              const oy = ih * c.sh - c.pads[0] + ky * c.dh;
              const ox = iw * c.sw - c.pads[1] + kx * c.dw;
              if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
              for (let co = 0; co < coutG; co++) y[((n * oh + oy) * ow + ox) * c.oc + g * coutG + co]! += v * w[((ci * coutG + co) * c.kh + ky) * c.kw + kx]!;
            }
        }
  return y.map((v, i) => activate(step, v + (bias ? bias[i % c.oc]! : 0)));
}

describe('f32_deconv through the executor', () => {
  const { runnable, skipped } = variantsOf('f32_deconv');
  if (skipped.length) console.log(`[deconv] skipped (not runnable here): ${skipped.join(', ')}`);

  it('lists the variants under family f32_deconv, the reference last', () => {
    expect(runnable.at(-1)).toBe('f32_deconv_direct__scalar');
    expect(runnable).toContain('f32_deconv_gemm_4x4__scalar');
  });

  CASES.forEach(([label, c], caseIndex) => {
    it(`${label}: every runnable variant matches the reference`, () => {
      const random = rng(2000 + caseIndex);
      const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
      const w = randomFloats(c.c * (c.oc / c.group) * c.kh * c.kw, random, -1, 1);
      const out = outShape(c);
      for (const [variantIndex, variant] of [...runnable, 'f32_deconv'].entries()) {
        const step = (caseIndex + variantIndex) % 3 === 0 ? undefined : ACTIVATIONS[(caseIndex + variantIndex) % ACTIVATIONS.length]!;
        const withBias = (caseIndex + variantIndex) % 2 === 0;
        const bias = withBias ? randomFloats(c.oc, random, -1, 1) : undefined;
        const packed = packWeights(variant, packShape(c), w);
        const { y, tactic } = runPacked({ kernel: variant, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed, bias, outShape: out, params: params(c, withBias), epilogue: step ? [step] : [] });
        if (variant !== 'f32_deconv') expect(tactic).toBe(variant);
        expectClose(y, reference(c, x, w, bias, step), `ConvTranspose ${label} ${variant} ${step?.op ?? 'none'} bias=${withBias}`, 2e-4, 2e-4);
      }
    });
  });

  it('rejects malformed layers and pack shapes with coded errors', () => {
    const c = CASES[1]![1];
    const w = new Float32Array(c.c * c.oc * 16);
    const packed = packWeights('f32_deconv_direct__scalar', packShape(c), w);
    const base = { kernel: 'f32_deconv_direct__scalar', x: { data: new Float32Array(c.n * c.h * c.w * c.c), shape: [c.n, c.h, c.w, c.c] }, packed, outShape: outShape(c), params: params(c, false) };
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return KilnError.isInstance(error) ? error.code : String(error);
      }
      return 'no error';
    };
    expect(code(() => runPacked({ ...base, outShape: [1, 2, 3, 4] }))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => runPacked({ ...base, packed: new Float32Array(7) }))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => runPacked({ ...base, params: params(c, false).slice(1) }))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => runPacked({ ...base, params: [...params(c, false).slice(0, 12), 5, 0] }))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => runPacked({ ...base, epilogue: [{ op: 'Exp' }] }))).toBe('ERR_PROGRAM_INVALID');
    expect(code(() => packWeights('f32_deconv', packShape(c).slice(1), w))).toBe('ERR_ARGUMENT');
    expect(code(() => packWeights('f32_deconv', packShape(c), new Float32Array(5)))).toBe('ERR_ARGUMENT');
  });
});
