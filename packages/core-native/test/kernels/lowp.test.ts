// bf16 / f16 / qu8 GEMM and conv layers through the executor: every runnable variant (weights
// packed with packWeights) against JS references that round (bf16, f16) or quantize (qu8) the
// operands exactly as the kernels do, over the f32 suites' shapes, activations, bias, residual
// and transB; plus the coded errors for bad quantization options and packed weights.
import { describe, expect, it } from 'vitest';
import { kernels, type PackWeightsOptions, packWeights } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { ACTIVATIONS, type ConvCase, convReference, gemmReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng, roundBf16Value } from '../helpers/harness.js';

type Format = 'bf16' | 'f16' | 'qu8';
const FORMATS: Format[] = ['bf16', 'f16', 'qu8'];

/** fp32 → float16 → fp32, round to nearest even (normal, subnormal, overflow to infinity). */
function roundF16(x: number): number {
  const a = Math.abs(Math.fround(x));
  if (a >= 65520) return Math.sign(x) * Infinity;
  const exponent = a < 2 ** -14 ? -14 : Math.floor(Math.log2(a));
  const step = 2 ** (exponent - 10);
  const q = a / step;
  let r = Math.round(q);
  if (Math.abs(q - Math.trunc(q)) === 0.5) r = 2 * Math.round(q / 2);
  return Math.sign(x) * r * step;
}

function rne(v: number): number {
  const r = Math.round(v);
  return Math.abs(v - Math.trunc(v)) === 0.5 ? 2 * Math.round(v / 2) : r;
}

const INPUT = { inputScale: 2 / 255, inputZeroPoint: 128 };

/** The operands as the kernel sees them: A and W rounded, or quantized then dequantized. */
function emulate(format: Format, a: Float32Array, w: Float32Array, channels: number, channelOf: (i: number) => number, scales?: Float32Array): [Float32Array, Float32Array] {
  if (format !== 'qu8') {
    const round = format === 'bf16' ? roundBf16Value : roundF16;
    return [a.map(round), w.map(round)];
  }
  const { inputScale: sa, inputZeroPoint: za } = INPUT;
  const qa = a.map((v) => (Math.min(255, Math.max(0, rne(Math.fround(v / Math.fround(sa))) + za)) - za) * Math.fround(sa));
  const channelScale = new Float32Array(channels);
  for (let c = 0; c < channels; c++) channelScale[c] = scales ? scales[scales.length === 1 ? 0 : c]! : 0;
  if (!scales) w.forEach((v, i) => { channelScale[channelOf(i)] = Math.max(channelScale[channelOf(i)]!, Math.abs(v)); });
  if (!scales) for (let c = 0; c < channels; c++) channelScale[c] = channelScale[c]! > 0 ? Math.fround(channelScale[c]! / 127) : 1;
  const qw = w.map((v, i) => {
    const s = channelScale[channelOf(i)]!;
    return Math.min(127, Math.max(-128, rne(Math.fround(v / s)))) * s;
  });
  return [qa, qw];
}

const options = (format: Format, weightScales?: Float32Array): PackWeightsOptions | undefined =>
  format === 'qu8' ? { ...INPUT, ...(weightScales ? { weightScales } : {}) } : undefined;
const tolerance = (format: Format, k: number) => (format === 'f16' ? 2e-3 * Math.sqrt(k) + 1e-3 : 1e-5 * k + 2e-5);

// M of 1, 2, 3, 5-9, 14 and their remainders past whole 14- and 8-row panels (16, 18, 37, 61):
// every row count the AVX-512 micro-kernels have an instance for (1, 2, 4, 8, 14 rows).
const GEMM_CASES: Array<[number[], number, number]> = [
  [[1], 1, 1], [[7], 13, 17], [[2, 3], 31, 29], [[37], 97, 53], [[2, 1, 7], 259, 33], [[61], 64, 101],
  [[1], 130, 70], [[2], 40, 35], [[3], 66, 31], [[16], 20, 40], [[18], 34, 64],
];

describe('kernels() lists the reduced-precision families', () => {
  it('bf16/f16/qu8 GEMM and conv variants, each with a scalar reference', () => {
    for (const format of FORMATS) {
      for (const op of ['gemm', 'conv']) {
        const names = kernels().filter((k) => k.family === `${format}_${op}`).map((k) => k.name);
        expect(names.length, `${format}_${op}`).toBeGreaterThan(1);
        expect(names.at(-1)).toMatch(/__scalar$/);
      }
    }
  });
});

for (const format of FORMATS) {
  describe(`${format}_gemm through the executor`, () => {
    const { runnable, skipped } = variantsOf(`${format}_gemm`);
    if (skipped.length) console.log(`[${format}_gemm] skipped (not runnable here): ${skipped.join(', ')}`);
    GEMM_CASES.forEach(([lead, k, n], caseIndex) => {
      it(`A [${lead.join(',')},${k}] x B [${k},${n}]: every runnable variant`, () => {
        const random = rng(3000 + caseIndex);
        const m = lead.reduce((x, y) => x * y, 1);
        const a = randomFloats(m * k, random, -1, 1);
        const b = randomFloats(k * n, random, -1, 1);
        runnable.forEach((variant, variantIndex) => {
          const transB = (caseIndex + variantIndex) % 2 === 1;
          const step = ACTIVATIONS[(caseIndex * 2 + variantIndex) % ACTIVATIONS.length]!;
          const withBias = variantIndex % 2 === 0;
          const withResidual = (caseIndex + variantIndex) % 3 !== 0;
          const bias = withBias ? randomFloats(n, random, -1, 1) : undefined;
          const residual = withResidual ? randomFloats(m * n, random, -1, 1) : undefined;
          const scales = caseIndex % 2 === 1 ? randomFloats(n, random, 0.004, 0.02) : undefined;
          const packed = packWeights(variant, [k, n, transB ? 1 : 0], b, options(format, scales));
          const { y, tactic } = runPacked({ kernel: variant, x: { data: a, shape: [...lead, k] }, packed, bias, residual, outShape: [...lead, n], params: [k, n, withBias ? 1 : 0, withResidual ? 1 : 0], epilogue: [step] });
          expect(tactic).toBe(variant);
          const [ea, eb] = emulate(format, a, b, n, (i) => (transB ? Math.floor(i / k) : i % n), scales);
          expectClose(y, gemmReference(m, k, n, ea, eb, transB, bias, residual, step), `Gemm ${m}x${k}x${n} ${variant} ${step.op} transB=${transB}`, tolerance(format, k), 1e-4);
        });
      });
    });
  });
}

const conv = (c: Partial<ConvCase> & Pick<ConvCase, 'c' | 'oc' | 'kh' | 'kw'>): ConvCase => ({ n: 1, h: 7, w: 6, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], group: 1, ...c });
const CONV_CASES: Array<[string, ConvCase]> = [
  ['1x1 stride 1', conv({ h: 5, w: 7, c: 13, oc: 17, kh: 1, kw: 1 })],
  ['1x1 stride 2', conv({ n: 2, h: 9, w: 6, c: 8, oc: 33, kh: 1, kw: 1, sh: 2, sw: 2 })],
  ['3x3 pad 1 stride 1', conv({ h: 8, w: 9, c: 5, oc: 19, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
  ['3x3 pad 1 stride 2', conv({ h: 11, w: 10, c: 16, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['grouped 3x3 (3 groups)', conv({ c: 12, oc: 18, group: 3, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
  ['asymmetric pads 3x2 stride 2x1', conv({ h: 9, w: 7, c: 6, oc: 10, kh: 3, kw: 2, sh: 2, pads: [0, 1, 2, 0] })],
  ['dilation 2, 40 channels', conv({ h: 10, w: 9, c: 40, oc: 36, kh: 3, kw: 3, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  ['stem-like 3 channels 3x3 stride 2, batch 2', conv({ n: 2, h: 11, w: 13, c: 3, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['2 channels 3x3, uneven pads', conv({ h: 6, w: 5, c: 2, oc: 7, kh: 3, kw: 3, pads: [1, 0, 1, 2] })],
  ['depthwise 3x3 (rejected: f32_conv serves it)', conv({ h: 9, w: 9, c: 24, oc: 24, group: 24, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
];

for (const format of FORMATS) {
  describe(`${format}_conv through the executor`, () => {
    const { runnable } = variantsOf(`${format}_conv`);
    CONV_CASES.forEach(([label, c], caseIndex) => {
      it(`${label}: every runnable variant matches the reference or is rejected`, () => {
        const random = rng(4000 + caseIndex);
        const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
        const w = randomFloats(c.oc * (c.c / c.group) * c.kh * c.kw, random, -1, 1);
        const shape = [c.oc, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group];
        const out = [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]), c.oc];
        const outCount = out.reduce((p, q) => p * q, 1);
        runnable.forEach((variant, variantIndex) => {
          const step = ACTIVATIONS[(caseIndex + variantIndex) % ACTIVATIONS.length]!;
          const withBias = (caseIndex + variantIndex) % 2 === 0;
          const withResidual = (caseIndex + variantIndex) % 3 !== 1;
          const bias = withBias ? randomFloats(c.oc, random, -1, 1) : undefined;
          const residual = withResidual ? randomFloats(outCount, random, -1, 1) : undefined;
          const params = [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group, withBias ? 1 : 0, withResidual ? 1 : 0];
          const winogradShape = c.kh === 3 && c.kw === 3 && c.sh === 1 && c.sw === 1 && c.dh === 1 && c.dw === 1 && c.group === 1;
          if ((variant.includes('_1x1_') && !(c.kh === 1 && c.kw === 1)) || (variant.includes('_winograd_') && !winogradShape) || c.group === c.c) {
            expectCoded(() => packWeights(variant, shape, w, options(format)), ['ERR_ARGUMENT']);
            return;
          }
          const packed = packWeights(variant, shape, w, options(format));
          const { y, tactic } = runPacked({ kernel: variant, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed, bias, residual, outShape: out, params, epilogue: [step] });
          expect(tactic).toBe(variant);
          const perChannel = (c.c / c.group) * c.kh * c.kw;
          // bf16 Winograd twins run fp32 arithmetic on fp32 weights (only bf16 tensors are rounded).
          const [ex, ew] = variant.includes('_winograd_') ? [x, w] : emulate(format, x, w, c.oc, (i) => Math.floor(i / perChannel));
          expectClose(y, convReference(c, ex, ew, bias, residual, step), `Conv ${label} ${variant} ${step.op}`, tolerance(format, perChannel), 1e-4);
        });
      });
    });
  });
}

describe('reduced-precision packing errors', () => {
  const b = new Float32Array(64 * 10).map((_, i) => Math.sin(i));
  it('qu8 needs a valid input quantization and valid weight scales', () => {
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { inputScale: 0 }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { inputScale: Number.NaN }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { inputScale: 0.1, inputZeroPoint: 256 }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { inputScale: 0.1, inputZeroPoint: 1.5 }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { ...INPUT, weightScales: new Float32Array(3).fill(0.1) }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('qu8_gemm', [64, 10, 0], b, { ...INPUT, weightScales: new Float32Array(10).fill(-1) }), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('bf16_gemm', [64, 10, 0], b, INPUT), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_gemm', [64, 10, 0], b, INPUT), ['ERR_ARGUMENT']);
    expect(packWeights('qu8_gemm', [64, 10, 0], b, { ...INPUT, weightScales: new Float32Array([0.01]) }).length).toBeGreaterThan(0);
  });

  it('a wrong packed length or a corrupted int8 header is a coded error', () => {
    const a = { data: new Float32Array(3 * 64), shape: [3, 64] };
    const packed = packWeights('qu8_gemm', [64, 10, 0], b, INPUT);
    const layer = { kernel: 'qu8_gemm', x: a, outShape: [3, 10], params: [64, 10, 0, 0] };
    expectCoded(() => runPacked({ ...layer, packed: packed.subarray(16) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runPacked({ ...layer, packed: packWeights('bf16_gemm', [64, 10, 0], b) }), ['ERR_PROGRAM_INVALID']);
    const corrupted = packed.slice();
    corrupted[0] = 0;
    expectCoded(() => runPacked({ ...layer, packed: corrupted }), ['ERR_PROGRAM_INVALID']);
  });
});
