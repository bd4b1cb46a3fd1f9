// bf16_conv_nchw layers (NCHW fp32 input, bfloat16 NHWC output: a CNN's stem in a bf16 engine)
// through the executor. Each variant runs the tiles of its f32_conv_nchw counterpart and rounds
// once on store, so its output must be, bit for bit, float_to_bf16 of that variant's fp32 output
// (the reference's likewise), over input channels 1..4, odd sizes, pads, strides, dilation, output
// channels around the register tiles, ReLU / Clip / other activations, bias and an fp32 residual,
// at 1 and 2 threads; rounding edge cases (ties to even, subnormals, overflow to infinity, NaN)
// come out as float_to_bf16 says; bad layers get coded errors. The AMX variant (no fp32 twin: bf16
// tiles) rounds its operands too, so it is checked against the reference on bf16-rounded input and
// weights to one rounding of the output (test/native-gemm/test-stem-amx.cc checks it in depth); it
// runs only where AMX is present.
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, type NativeUnaryStep, createEngine, getThreads, kernels, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { ACTIVATIONS, type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng, roundBf16 } from '../helpers/harness.js';

const conv = (c: Partial<ConvCase> & Pick<ConvCase, 'c' | 'oc' | 'kh' | 'kw'>): ConvCase => ({
  n: 1, h: 9, w: 11, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], group: 1, ...c,
});

const CASES: Array<[string, ConvCase]> = [
  ['mobilenet-like 3x3 s2 pad 1, 3 -> 32 (split over threads)', conv({ h: 57, w: 61, c: 3, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['squeezenet-like 3x3 s2 no pad, 3 -> 64', conv({ h: 25, w: 31, c: 3, oc: 64, kh: 3, kw: 3, sh: 2, sw: 2 })],
  ['1 channel 5x5 pad 2, -> 17', conv({ h: 13, w: 14, c: 1, oc: 17, kh: 5, kw: 5, pads: [2, 2, 2, 2] })],
  ['2 channels 3x3 stride 3, batch 2, -> 5', conv({ n: 2, h: 16, w: 19, c: 2, oc: 5, kh: 3, kw: 3, sh: 3, sw: 3, pads: [1, 0, 1, 2] })],
  ['4 channels 7x7 s2 pad 3, -> 70', conv({ h: 21, w: 27, c: 4, oc: 70, kh: 7, kw: 7, sh: 2, sw: 2, pads: [3, 3, 3, 3] })],
  ['3 channels 3x2 stride 4x1 asymmetric pads, -> 33', conv({ h: 19, w: 13, c: 3, oc: 33, kh: 3, kw: 2, sh: 4, sw: 1, pads: [0, 2, 1, 0] })],
  ['3 channels dilation 2, stride 1x4, -> 48', conv({ h: 15, w: 30, c: 3, oc: 48, kh: 3, kw: 3, sw: 4, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  ['1x1, 4 channels, -> 100', conv({ h: 6, w: 37, c: 4, oc: 100, kh: 1, kw: 1 })],
  ['single output pixel, 2 -> 9', conv({ h: 3, w: 3, c: 2, oc: 9, kh: 3, kw: 3 })],
];

// ReLU and ReLU6 (the stems' own), then the rest of the fused activations.
const STEPS: (NativeUnaryStep | undefined)[] = [{ op: 'Relu' }, { op: 'Clip', alpha: 0, beta: 6 }, undefined, ...ACTIVATIONS.slice(1)];

const params = (c: ConvCase, bias: boolean, residual: boolean) => [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group, bias ? 1 : 0, residual ? 1 : 0];
const packShape = (c: ConvCase) => [c.oc, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group];
const outShape = (c: ConvCase) => [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]), c.oc];
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function toNhwc(x: Float32Array, c: ConvCase): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < c.n; n++) for (let ch = 0; ch < c.c; ch++) for (let i = 0; i < c.h * c.w; i++) y[(n * c.h * c.w + i) * c.c + ch] = x[(n * c.c + ch) * c.h * c.w + i]!;
  return y;
}

interface StemRun {
  kernel: string;
  x: Float32Array;
  c: ConvCase;
  packed: Float32Array;
  bias?: Float32Array;
  residual?: Float32Array;
  epilogue?: NativeProgram['layers'][number]['epilogue'];
  /** dtype of the stem's output (an arena tensor when bfloat16) and of its residual. */
  y?: 'float32' | 'bfloat16';
  residualDtype?: 'float32' | 'bfloat16';
  xDtype?: 'float32' | 'bfloat16';
}

/**
 * The stem into a bfloat16 arena tensor, then an exact widening copy (bf16_dwconv__scalar 1x1,
 * weight 1, no bias) to the fp32 engine output; with `y: 'float32'` the stem writes the output itself.
 */
function runStem(r: StemRun): Float32Array {
  const out = outShape(r.c);
  const blobs: Float32Array[] = [];
  let floats = 0;
  const tensors: NativeTensor[] = [];
  const weight = (data: Float32Array) => {
    tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: floats * 4 });
    blobs.push(data);
    floats += Math.ceil(data.length / 16) * 16;
    return tensors.length - 1;
  };
  const inputs: Float32Array[] = [r.x];
  let arena = 0;
  const xShape = [r.c.n, r.c.c, r.c.h, r.c.w];
  if (r.xDtype === 'bfloat16') {
    tensors.push({ dtype: 'bfloat16', shape: xShape, location: 'arena', offset: 0 });
    arena += Math.ceil((count(xShape) * 2) / 64) * 64;
  } else {
    tensors.push({ dtype: 'float32', shape: xShape, location: 'input', slot: 0 });
  }
  const layerInputs = [0, weight(r.packed)];
  if (r.bias) layerInputs.push(weight(r.bias));
  if (r.residual && r.residualDtype === 'bfloat16') {
    tensors.push({ dtype: 'bfloat16', shape: out, location: 'arena', offset: arena });
    arena += Math.ceil((count(out) * 2) / 64) * 64;
    layerInputs.push(tensors.length - 1);
  } else if (r.residual) {
    tensors.push({ dtype: 'float32', shape: out, location: 'input', slot: 1 });
    inputs.push(r.residual);
    layerInputs.push(tensors.length - 1);
  }
  const layers: NativeProgram['layers'] = [];
  const stemParams = params(r.c, r.bias !== undefined, r.residual !== undefined);
  if (r.y === 'float32') {
    tensors.push({ dtype: 'float32', shape: out, location: 'output', slot: 0 });
    layers.push({ kernel: r.kernel, inputs: layerInputs, outputs: [tensors.length - 1], params: stemParams, ...(r.epilogue ? { epilogue: r.epilogue } : {}) });
  } else {
    tensors.push({ dtype: 'bfloat16', shape: out, location: 'arena', offset: arena });
    arena += Math.ceil((count(out) * 2) / 64) * 64;
    const y = tensors.length - 1;
    layers.push({ kernel: r.kernel, inputs: layerInputs, outputs: [y], params: stemParams, ...(r.epilogue ? { epilogue: r.epilogue } : {}) });
    const oc = r.c.oc;
    const ones = weight(packWeights('bf16_dwconv__scalar', [oc, oc, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, oc], new Float32Array(oc).fill(1)));
    tensors.push({ dtype: 'float32', shape: out, location: 'output', slot: 0 });
    layers.push({ kernel: 'bf16_dwconv__scalar', inputs: [y, ones], outputs: [tensors.length - 1], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, oc, 0, 0] });
  }
  const weights = new Float32Array(floats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const result = new Float32Array(count(out));
  createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync(inputs, [result]);
  return result;
}

/** The f32_conv_nchw variant with the same tiles (the __avx512bf16 ones only round with AVX512-BF16). */
const fp32Twin = (variant: string) => variant.replace(/^bf16_/, 'f32_').replace(/__avx512bf16$/, '__avx512');

describe('bf16_conv_nchw through the executor', () => {
  const { runnable, skipped } = variantsOf('bf16_conv_nchw');
  if (skipped.length) console.log(`[conv_nchw_bf16] skipped (not runnable here): ${skipped.join(', ')}`);
  const tiled = runnable.filter((variant) => !variant.endsWith('__amx'));
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('lists the AMX tiles, the AVX512-BF16 stores, then one variant per f32_conv_nchw stem tile in the same order, the reference last', () => {
    const names = kernels().filter((k) => k.family === 'bf16_conv_nchw').map((k) => k.name);
    // The few-output tile (32x4: many input channels, 1-4 outputs) has no bf16 twin.
    const tiles = kernels().filter((k) => k.family === 'f32_conv_nchw' && !k.name.includes('_32x4_')).map((k) => k.name.replace(/^f32_/, 'bf16_'));
    expect(names).toEqual(['bf16_conv_nchw_32x32__amx', 'bf16_conv_nchw_6x64__avx512bf16', 'bf16_conv_nchw_14x32__avx512bf16', ...tiles]);
    expect(names.at(-1)).toBe('bf16_conv_nchw_direct__scalar');
  });

  it('packs weights exactly as the fp32 variant of the same tile', () => {
    const c = CASES[4]![1];
    const w = randomFloats(c.oc * c.c * c.kh * c.kw, rng(17), -1, 1);
    for (const variant of tiled) expect(packWeights(variant, packShape(c), w)).toEqual(packWeights(fp32Twin(variant), packShape(c), w));
    expect(packWeights('bf16_conv_nchw', packShape(c), w)).toEqual(packWeights(runnable[0]!, packShape(c), w));
  });

  for (const threads of [1, 2]) {
    CASES.forEach(([label, c], caseIndex) => {
      it(`${label}, ${threads} thread(s): each variant writes float_to_bf16 of its fp32 twin's output`, () => {
        setThreads(threads);
        const random = rng(7000 + caseIndex);
        const x = randomFloats(c.n * c.c * c.h * c.w, random, -1, 1);
        const w = randomFloats(c.oc * c.c * c.kh * c.kw, random, -1, 1);
        const out = outShape(c);
        runnable.forEach((variant, variantIndex) => {
          const mix = caseIndex + variantIndex + threads;
          const step = STEPS[mix % STEPS.length];
          const bias = mix % 2 === 0 ? randomFloats(c.oc, random, -1, 1) : undefined;
          const residual = mix % 3 === 1 ? randomFloats(count(out), random, -1, 1) : undefined;
          if (!tiled.includes(variant) && c.dw !== 1) return; // the AMX tiles take dilation 1 along W only
          const packed = packWeights(variant, packShape(c), w);
          const epilogue = step ? [step] : [];
          const bf16 = runStem({ kernel: variant, x, c, packed, bias, residual, epilogue });
          const what = `ConvNchw bf16 ${label} ${variant} ${step?.op ?? 'none'} bias=${!!bias} residual=${!!residual} threads=${threads}`;
          if (!tiled.includes(variant)) {
            expectClose(bf16, convReference({ ...c }, toNhwc(roundBf16(x), c), roundBf16(w), bias, residual, step), `${what} vs reference on bf16 operands`, 2e-4, 8e-3);
            return;
          }
          const { y: fp32, tactic } = runPacked({
            kernel: fp32Twin(variant), x: { data: x, shape: [c.n, c.c, c.h, c.w] }, packed, bias, residual, outShape: out,
            params: params(c, bias !== undefined, residual !== undefined), epilogue,
          });
          expect(tactic).toBe(fp32Twin(variant));
          expectClose(bf16, roundBf16(fp32), `${what} vs rounded ${fp32Twin(variant)}`, 0, 0);
          // And to bf16 accuracy (one rounding of the output) against the NHWC JS reference.
          expectClose(bf16, convReference({ ...c }, toNhwc(x, c), w, bias, residual, step), `${what} vs reference`, 4e-4, 8e-3);
        });
      });
    });
  }

  it('rounds ties to even, keeps subnormals, overflows to infinity and keeps NaN quiet, in every variant of fp32 tiles', () => {
    // A 1x1 conv with weight 1 and no bias copies the image: the output is the rounding alone.
    const edge = [
      0x3f808000, 0x3f818000, 0x3f808001, 0x3f80ffff, 0xbf818000, 0x00018000, 0x00008000, 0x007fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0x7fc00001,
      0xffa00000, 0x40490fdb, 0x3eaaaaab, 0x00000001, 0x3f7fffff,
    ];
    const x = new Float32Array(new Uint32Array(edge).buffer);
    const c = conv({ h: 1, w: edge.length, c: 1, oc: 21, kh: 1, kw: 1 });
    const expected = new Float32Array(edge.length * c.oc);
    const rounded = roundBf16(x);
    for (let i = 0; i < edge.length; i++) expected.fill(rounded[i]!, i * c.oc, (i + 1) * c.oc);
    for (const variant of tiled) {
      const y = runStem({ kernel: variant, x, c, packed: packWeights(variant, packShape(c), new Float32Array(c.oc).fill(1)) });
      const bits = new Uint32Array(y.buffer);
      const want = new Uint32Array(expected.buffer);
      for (let i = 0; i < y.length; i++) {
        if (bits[i] !== want[i]) throw new Error(`${variant}: pixel ${Math.floor(i / c.oc)} channel ${i % c.oc}: 0x${bits[i]!.toString(16)} != float_to_bf16 0x${want[i]!.toString(16)} (input 0x${edge[Math.floor(i / c.oc)]!.toString(16)})`);
      }
    }
  });

  it('family name bf16_conv_nchw resolves to the first runnable variant', () => {
    const c = CASES[1]![1];
    const random = rng(92);
    const x = randomFloats(c.n * c.c * c.h * c.w, random, -1, 1);
    const w = randomFloats(c.oc * c.c * 9, random, -1, 1);
    const alias = runStem({ kernel: 'bf16_conv_nchw', x, c, packed: packWeights('bf16_conv_nchw', packShape(c), w), epilogue: [{ op: 'Relu' }] });
    const first = runStem({ kernel: runnable[0]!, x, c, packed: packWeights(runnable[0]!, packShape(c), w), epilogue: [{ op: 'Relu' }] });
    expectClose(alias, first, 'bf16_conv_nchw alias', 0, 0);
  });

  it('rejects fp32 outputs, bf16 inputs or residuals, and f32_conv_nchw writing bf16, with coded errors', () => {
    const c = CASES[1]![1];
    const variant = tiled[0]!;
    const packed = packWeights(variant, packShape(c), new Float32Array(c.oc * c.c * 9));
    const x = new Float32Array(c.n * c.c * c.h * c.w);
    const residual = new Float32Array(count(outShape(c)));
    expectCoded(() => runStem({ kernel: variant, x, c, packed, y: 'float32' }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runStem({ kernel: variant, x, c, packed, xDtype: 'bfloat16' }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runStem({ kernel: variant, x, c, packed, residual, residualDtype: 'bfloat16' }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runStem({ kernel: fp32Twin(variant), x, c, packed }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runStem({ kernel: variant, x, c, packed: new Float32Array(packed.length + 16) }), 'ERR_PROGRAM_INVALID');
    expectCoded(() => runStem({ kernel: variant, x, c: { ...c, c: 5 }, packed }), 'ERR_PROGRAM_INVALID');
  });
});
