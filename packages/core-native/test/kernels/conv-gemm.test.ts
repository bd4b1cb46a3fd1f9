// f32_conv and f32_gemm layers through the executor: every runnable variant (weights packed with
// packWeights) against plain JS references over a shape sweep, each fused activation, with and
// without bias and residual; inapplicable variants must be rejected with a coded error.
import { describe, expect, it } from 'vitest';
import { createEngine, getThreads, kernels, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { ACTIVATIONS, type ConvCase, convReference, gemmReference, outSize, packedProgram, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

const conv = (c: Partial<ConvCase> & Pick<ConvCase, 'c' | 'oc' | 'kh' | 'kw'>): ConvCase => ({
  n: 1, h: 7, w: 6, sh: 1, sw: 1, dh: 1, dw: 1, pads: [0, 0, 0, 0], group: 1, ...c,
});

const CONV_CASES: Array<[string, ConvCase]> = [
  ['1x1 stride 1', conv({ h: 5, w: 7, c: 13, oc: 17, kh: 1, kw: 1 })],
  ['1x1 stride 2', conv({ n: 2, h: 9, w: 6, c: 8, oc: 33, kh: 1, kw: 1, sh: 2, sw: 2 })],
  ['3x3 pad 1 stride 1', conv({ h: 8, w: 9, c: 5, oc: 19, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
  ['3x3 pad 1 stride 2', conv({ h: 11, w: 10, c: 16, oc: 32, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['depthwise 3x3 stride 1', conv({ h: 9, w: 9, c: 24, oc: 24, group: 24, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
  ['depthwise 3x3 stride 2', conv({ n: 2, h: 10, w: 7, c: 19, oc: 19, group: 19, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] })],
  ['depthwise 5x5 pad 2', conv({ h: 8, w: 8, c: 20, oc: 20, group: 20, kh: 5, kw: 5, pads: [2, 2, 2, 2] })],
  ['depthwise 5x5 stride 2, odd width', conv({ h: 11, w: 13, c: 21, oc: 21, group: 21, kh: 5, kw: 5, sh: 2, sw: 2, pads: [2, 2, 2, 2] })],
  ['depthwise 7x7 pad 3, wide', conv({ h: 6, w: 19, c: 18, oc: 18, group: 18, kh: 7, kw: 7, pads: [3, 3, 3, 3] })],
  ['depthwise 3x3 dilation 2', conv({ h: 9, w: 14, c: 17, oc: 17, group: 17, kh: 3, kw: 3, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  ['grouped 3x3 (3 groups)', conv({ c: 12, oc: 18, group: 3, kh: 3, kw: 3, pads: [1, 1, 1, 1] })],
  ['asymmetric pads 3x2 stride 2x1', conv({ h: 9, w: 7, c: 6, oc: 10, kh: 3, kw: 2, sh: 2, pads: [0, 1, 2, 0] })],
  ['dilation 2', conv({ h: 10, w: 9, c: 7, oc: 9, kh: 3, kw: 3, dh: 2, dw: 2, pads: [2, 2, 2, 2] })],
  // Taps that are padding for a whole tile of output pixels are skipped by the indirect
  // microkernels: rows of 14 and 28 pixels (the tiles' heights), two images; dilation past the
  // map (only the centre tap reads the image); dilation along one axis (kernel rows merged).
  ['dilation 6, rows of 28 pixels, 2 images', conv({ n: 2, h: 9, w: 28, c: 6, oc: 20, kh: 3, kw: 3, dh: 6, dw: 6, pads: [6, 6, 6, 6] })],
  ['dilation 7 past a 5x14 map', conv({ h: 5, w: 14, c: 9, oc: 33, kh: 3, kw: 3, dh: 7, dw: 7, pads: [7, 7, 7, 7] })],
  ['dilation 4x1, stride 2, rows of 14 pixels', conv({ h: 13, w: 27, c: 5, oc: 17, kh: 3, kw: 3, sh: 2, sw: 2, dh: 4, pads: [4, 1, 4, 1] })],
];

function convShape(c: ConvCase): number[] {
  return [c.oc, c.c, c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group];
}
function convParams(c: ConvCase, bias: boolean, residual: boolean): number[] {
  return [c.kh, c.kw, c.sh, c.sw, c.dh, c.dw, ...c.pads, c.group, bias ? 1 : 0, residual ? 1 : 0];
}
function convOut(c: ConvCase): number[] {
  return [c.n, outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]), outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]), c.oc];
}
/** Which variants the family README says apply. */
function expectedToApply(variant: string, c: ConvCase): boolean {
  const depthwise = c.group === c.c && c.oc === c.c;
  if (variant.startsWith('f32_dwconv_3x3')) return depthwise && c.kh === 3 && c.kw === 3;
  if (variant.startsWith('f32_dwconv')) return depthwise;
  if (variant.startsWith('f32_conv_1x1')) return c.kh === 1 && c.kw === 1 && c.pads.every((p) => p === 0);
  if (variant.startsWith('f32_conv_winograd')) return c.group === 1 && c.kh === 3 && c.kw === 3 && c.sh === 1 && c.sw === 1 && c.dh === 1 && c.dw === 1;
  return true;
}

describe('kernels() families', () => {
  it('lists every conv and GEMM variant with its family, highest ISA first', () => {
    const list = kernels();
    expect(list.every((k) => typeof k.family === 'string' && k.family.length > 0)).toBe(true);
    expect(list.find((k) => k.name === 'f32_softmax__avx2')?.family).toBe('f32_softmax');
    expect(list.find((k) => k.name === 'f32_conv_1x1_14x32__avx512')?.family).toBe('f32_conv');
    expect(list.find((k) => k.name === 'f32_gemm_4x4__scalar')?.family).toBe('f32_gemm');
    expect(list.find((k) => k.name === 'f32_matmul__avx2')?.family).toBe('f32_matmul');
    expect(list.filter((k) => k.family === 'f32_conv').map((k) => k.name)).toEqual([
      'f32_dwconv_3x3__avx512', 'f32_dwconv__avx512', 'f32_conv_1x1_14x32__avx512', 'f32_conv_winograd_4x4_14x32__avx512',
      'f32_conv_winograd_2x2_14x32__avx512', 'f32_conv_im2col_14x32__avx512',
      'f32_conv_1x1_28x16__avx512', 'f32_conv_im2col_28x16__avx512', 'f32_conv_1x1_8x48__avx512', 'f32_conv_im2col_8x48__avx512',
      'f32_conv_1x1_12x32__avx512', 'f32_conv_1x1_6x32__avx512',
      'f32_dwconv_3x3__avx2', 'f32_dwconv__avx2', 'f32_conv_1x1_6x16__avx2', 'f32_conv_1x1_4x24__avx2', 'f32_conv_winograd_4x4_6x16__avx2',
      'f32_conv_winograd_2x2_6x16__avx2', 'f32_conv_im2col_6x16__avx2',
      'f32_dwconv__scalar', 'f32_conv_winograd_4x4_4x4__scalar', 'f32_conv_im2col_4x4__scalar', 'f32_conv_direct__scalar',
    ]);
    expect(list.filter((k) => k.family === 'f32_gemm').map((k) => k.name)).toEqual([
      'f32_gemm_14x32__avx512', 'f32_gemm_12x32__avx512', 'f32_gemm_8x48__avx512', 'f32_gemm_28x16__avx512',
      'f32_gemm_6x32__avx512', 'f32_gemm_6x16__avx2', 'f32_gemm_4x24__avx2', 'f32_gemm_4x4__scalar',
    ]);
    expect(list.some((k) => k.name.startsWith('f32_conv__') || k.name.startsWith('f32_gemm__'))).toBe(false);
  });
});

describe('f32_conv through the executor', () => {
  const { runnable, skipped } = variantsOf('f32_conv');
  if (skipped.length) console.log(`[conv] skipped (not runnable here): ${skipped.join(', ')}`);

  /**
   * Every runnable non-depthwise variant on each of `cases` (bias, residual, the first activation)
   * against the reference, at one thread so that one task covers all the rows and weights.
   */
  function expectEveryVariantAtOneThread(cases: ConvCase[], random: () => number, label: (c: ConvCase) => string, tolerance: number): void {
    const threadsBefore = getThreads();
    setThreads(1);
    try {
      for (const c of cases) {
        const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
        const w = randomFloats(c.oc * c.c * c.kh * c.kw, random, -1, 1);
        const out = convOut(c);
        const bias = randomFloats(c.oc, random, -1, 1);
        const residual = randomFloats(out.reduce((a, b) => a * b, 1), random, -1, 1);
        const step = ACTIVATIONS[0]!;
        const expected = convReference(c, x, w, bias, residual, step);
        for (const variant of runnable.filter((name) => expectedToApply(name, c) && !name.startsWith('f32_dwconv'))) {
          const packed = packWeights(variant, convShape(c), w);
          const layer = { kernel: variant, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed, bias, residual, outShape: out, params: convParams(c, true, true), epilogue: [step] };
          expectClose(runPacked(layer).y, expected, `${label(c)} ${variant}`, tolerance, tolerance);
        }
      }
    } finally {
      setThreads(threadsBefore);
    }
  }

  CONV_CASES.forEach(([label, c], caseIndex) => {
    it(`${label}: every runnable variant matches the reference or is rejected`, () => {
      const random = rng(1000 + caseIndex);
      const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
      const w = randomFloats(c.oc * (c.c / c.group) * c.kh * c.kw, random, -1, 1);
      const out = convOut(c);
      const outCount = out.reduce((a, b) => a * b, 1);
      runnable.forEach((variant, variantIndex) => {
        const step = ACTIVATIONS[(caseIndex + variantIndex) % ACTIVATIONS.length]!;
        const withBias = (caseIndex + variantIndex) % 2 === 0;
        const withResidual = (caseIndex + variantIndex) % 3 !== 1;
        const bias = withBias ? randomFloats(c.oc, random, -1, 1) : undefined;
        const residual = withResidual ? randomFloats(outCount, random, -1, 1) : undefined;
        const layer = { kernel: variant, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, bias, residual, outShape: out, params: convParams(c, withBias, withResidual), epilogue: [step] };
        if (!expectedToApply(variant, c)) {
          expectCoded(() => packWeights(variant, convShape(c), w), ['ERR_ARGUMENT']);
          expectCoded(() => runPacked({ ...layer, packed: new Float32Array(64) }), ['ERR_PROGRAM_INVALID', 'ERR_KERNEL_UNAVAILABLE']);
          return;
        }
        const packed = packWeights(variant, convShape(c), w);
        const { y, tactic } = runPacked({ ...layer, packed });
        expect(tactic).toBe(variant);
        expectClose(y, convReference(c, x, w, bias, residual, step), `Conv ${label} ${variant} ${step.op} bias=${withBias} residual=${withResidual}`, 2e-4, 2e-4);
      });
    });
  });

  it('narrow outputs (1, 3, 5 channels): each activation on every variant, with and without bias and residual', () => {
    // Rows of a narrow output lie back to back; the exp-based activations then run once per tile.
    const random = rng(91);
    for (const oc of [1, 3, 5]) {
      for (const c of [conv({ h: 6, w: 9, c: 7, oc, kh: 1, kw: 1 }), conv({ h: 7, w: 8, c: 4, oc, kh: 3, kw: 3, pads: [1, 1, 1, 1] })]) {
        const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
        const w = randomFloats(c.oc * c.c * c.kh * c.kw, random, -1, 1);
        const out = convOut(c);
        for (const variant of runnable.filter((name) => expectedToApply(name, c))) {
          ACTIVATIONS.forEach((step, index) => {
            const bias = index % 2 === 0 ? randomFloats(oc, random, -1, 1) : undefined;
            const residual = index % 3 === 0 ? randomFloats(out.reduce((a, b) => a * b, 1), random, -1, 1) : undefined;
            const packed = packWeights(variant, convShape(c), w);
            const { y } = runPacked({ kernel: variant, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed, bias, residual, outShape: out, params: convParams(c, bias !== undefined, residual !== undefined), epilogue: [step] });
            expectClose(y, convReference(c, x, w, bias, residual, step), `Conv ${c.kh}x${c.kw} oc=${oc} ${variant} ${step.op}`, 2e-4, 2e-4);
          });
        }
      }
    }
  });

  it('1x1 convs whose rows of A and C outgrow L2 (tile by tile, or in row blocks): every variant matches the reference', () => {
    // At one thread, so that one task sweeps all the rows. 3000 rows of 64 -> 100 (2 MB of A and C
    // rows, 25 KB of B): the in-place tiles run tile by tile across the panels. 1300 rows of
    // 300 -> 40 (K over a K block) and 900 rows of 200 -> 400 (one K block, 320 KB of B): they sweep
    // blocks of rows that are not a multiple of the tile height, panel by panel.
    const cases = [conv({ h: 50, w: 60, c: 64, oc: 100, kh: 1, kw: 1 }), conv({ h: 26, w: 50, c: 300, oc: 40, kh: 1, kw: 1 }), conv({ h: 30, w: 30, c: 200, oc: 400, kh: 1, kw: 1 })];
    expectEveryVariantAtOneThread(cases, rng(93), (c) => `Conv 1x1 ${c.h * c.w} rows ${c.c} -> ${c.oc}`, 2e-4);
  });

  it('3x3 convs whose weights outgrow L2 (swept panel by panel over every row tile): every variant matches the reference', () => {
    // At one thread, so that one task holds every row tile. 7x7, 256 -> 288 with padding (2.6 MB
    // of weights, 4 row tiles whose kernel rows leave the image sideways), 2 images of 9x9,
    // 256 -> 160 dilated by 2 along both axes (one table entry per tap, 1.5 MB), and 9x9 stride 2,
    // 256 -> 200 (1.8 MB): each row tile keeps its own table while the panels go round.
    const cases = [
      conv({ h: 7, w: 7, c: 256, oc: 288, kh: 3, kw: 3, pads: [1, 1, 1, 1] }),
      conv({ n: 2, h: 9, w: 9, c: 256, oc: 160, kh: 3, kw: 3, dh: 2, dw: 2, pads: [2, 2, 2, 2] }),
      conv({ h: 9, w: 9, c: 256, oc: 200, kh: 3, kw: 3, sh: 2, sw: 2, pads: [1, 1, 1, 1] }),
    ];
    expectEveryVariantAtOneThread(cases, rng(94), (c) => `Conv 3x3 ${c.h}x${c.w} ${c.c} -> ${c.oc}`, 1e-3);
  });

  it('fuses each activation (family name f32_conv, bias and residual)', () => {
    const c = CONV_CASES[2]![1];
    const random = rng(77);
    const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
    const w = randomFloats(c.oc * c.c * 9, random, -1, 1);
    const bias = randomFloats(c.oc, random, -1, 1);
    const out = convOut(c);
    const residual = randomFloats(out.reduce((a, b) => a * b, 1), random, -1, 1);
    for (const step of [undefined, ...ACTIVATIONS]) {
      const packed = packWeights('f32_conv', convShape(c), w);
      const { y } = runPacked({ kernel: 'f32_conv', x: { data: x, shape: [1, c.h, c.w, c.c] }, packed, bias, residual, outShape: out, params: convParams(c, true, true), epilogue: step ? [step] : [] });
      expectClose(y, convReference(c, x, w, bias, residual, step), `Conv f32_conv ${step?.op ?? 'none'}`, 2e-4, 2e-4);
    }
  });

  it('family name f32_conv prefers dwconv for depthwise, 1x1 for pointwise and Winograd for 3x3 stride 1', () => {
    const tacticFor = (c: ConvCase) => {
      const packed = packWeights('f32_conv', convShape(c), new Float32Array(c.oc * (c.c / c.group) * c.kh * c.kw));
      const { program, weights } = packedProgram({ kernel: 'f32_conv', x: { data: new Float32Array(), shape: [c.n, c.h, c.w, c.c] }, packed, outShape: convOut(c), params: convParams(c, false, false) });
      return createEngine(program, weights).describe().tactics[0]!;
    };
    const best = runnable[0]!.endsWith('__avx512') ? 'avx512' : runnable[0]!.endsWith('__avx2') ? 'avx2' : 'scalar';
    expect(tacticFor(CONV_CASES[4]![1])).toMatch(best === 'scalar' ? /^f32_dwconv__scalar$/ : /^f32_dwconv_3x3__/);
    expect(tacticFor(CONV_CASES[6]![1])).toMatch(/^f32_dwconv__/);
    if (best !== 'scalar') expect(tacticFor(CONV_CASES[0]![1])).toMatch(/^f32_conv_1x1_/);
    expect(tacticFor(CONV_CASES[2]![1])).toMatch(/^f32_conv_winograd_4x4_/);
    expect(tacticFor(CONV_CASES[3]![1])).toMatch(/^f32_conv_im2col_/);
  });

  it('rejects a wrong packed length, output shape or unfusable epilogue', () => {
    const c = CONV_CASES[2]![1];
    const w = new Float32Array(c.oc * c.c * 9);
    const packed = packWeights('f32_conv_direct__scalar', convShape(c), w);
    const base = { kernel: 'f32_conv_direct__scalar', x: { data: new Float32Array(c.h * c.w * c.c), shape: [1, c.h, c.w, c.c] }, outShape: convOut(c), params: convParams(c, false, false) };
    expectCoded(() => runPacked({ ...base, packed: new Float32Array(packed.length + 16) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runPacked({ ...base, packed, outShape: [1, 1, 1, c.oc] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runPacked({ ...base, packed, epilogue: [{ op: 'Exp' }] }), ['ERR_PROGRAM_INVALID']);
  });
});

describe('packWeights arguments', () => {
  it('rejects unknown tactics, wrong shape length, wrong weights length and inapplicable variants', () => {
    expectCoded(() => packWeights('f32_softmax__avx2', [4, 4, 0], new Float32Array(16)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_gemm_4x4__scalar', [4, 4], new Float32Array(16)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_gemm_4x4__scalar', [4, 4, 0], new Float32Array(15)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_conv_direct__scalar', [8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(288)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_conv_1x1_6x16__avx2', [8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(288)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_dwconv__scalar', [8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(288)), ['ERR_ARGUMENT']);
    expect(packWeights('f32_conv_direct__scalar', [8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(288)).length).toBe(288);
  });
});

const GEMM_CASES: Array<[number[], number, number]> = [
  [[1], 1, 1],
  [[7], 13, 17],
  [[2, 3], 31, 29],
  [[37], 97, 53],
  [[2, 1, 7], 259, 33],
  [[61], 64, 101],
];

describe('f32_gemm through the executor', () => {
  const { runnable, skipped } = variantsOf('f32_gemm');
  if (skipped.length) console.log(`[gemm] skipped (not runnable here): ${skipped.join(', ')}`);
  GEMM_CASES.forEach(([lead, k, n], caseIndex) => {
    it(`A [${lead.join(',')},${k}] x B [${k},${n}]: every runnable variant`, () => {
      const random = rng(2000 + caseIndex);
      const m = lead.reduce((a, b) => a * b, 1);
      const a = randomFloats(m * k, random, -1, 1);
      const b = randomFloats(k * n, random, -1, 1);
      runnable.forEach((variant, variantIndex) => {
        const transB = (caseIndex + variantIndex) % 2 === 1;
        const step = ACTIVATIONS[(caseIndex * 2 + variantIndex) % ACTIVATIONS.length]!;
        const withBias = variantIndex % 2 === 0;
        const withResidual = (caseIndex + variantIndex) % 3 !== 0;
        const bias = withBias ? randomFloats(n, random, -1, 1) : undefined;
        const residual = withResidual ? randomFloats(m * n, random, -1, 1) : undefined;
        const packed = packWeights(variant, [k, n, transB ? 1 : 0], b);
        const { y, tactic } = runPacked({ kernel: variant, x: { data: a, shape: [...lead, k] }, packed, bias, residual, outShape: [...lead, n], params: [k, n, withBias ? 1 : 0, withResidual ? 1 : 0], epilogue: [step] });
        expect(tactic).toBe(variant);
        expectClose(y, gemmReference(m, k, n, a, b, transB, bias, residual, step), `Gemm ${m}x${k}x${n} ${variant} ${step.op} transB=${transB}`, 3e-4, 3e-4);
      });
    });
  });

  it('narrow outputs (N = 1, 3, 5): each activation on every variant, with and without bias and residual', () => {
    const random = rng(92);
    const [m, k] = [45, 19];
    for (const n of [1, 3, 5]) {
      const a = randomFloats(m * k, random, -1, 1);
      const b = randomFloats(k * n, random, -1, 1);
      for (const variant of runnable) {
        ACTIVATIONS.forEach((step, index) => {
          const bias = index % 2 === 0 ? randomFloats(n, random, -1, 1) : undefined;
          const residual = index % 3 === 0 ? randomFloats(m * n, random, -1, 1) : undefined;
          const packed = packWeights(variant, [k, n, 0], b);
          const { y } = runPacked({ kernel: variant, x: { data: a, shape: [m, k] }, packed, bias, residual, outShape: [m, n], params: [k, n, bias ? 1 : 0, residual ? 1 : 0], epilogue: [step] });
          expectClose(y, gemmReference(m, k, n, a, b, false, bias, residual, step), `Gemm ${m}x${k}x${n} ${variant} ${step.op}`, 3e-4, 3e-4);
        });
      }
    }
  });

  it('family name f32_gemm resolves to the first runnable variant, each activation', () => {
    const random = rng(31);
    const [m, k, n] = [9, 23, 19];
    const a = randomFloats(m * k, random, -1, 1);
    const b = randomFloats(k * n, random, -1, 1);
    for (const step of [undefined, ...ACTIVATIONS]) {
      const packed = packWeights('f32_gemm', [k, n, 0], b);
      const { y, tactic } = runPacked({ kernel: 'f32_gemm', x: { data: a, shape: [m, k] }, packed, outShape: [m, n], params: [k, n, 0, 0], epilogue: step ? [step] : [] });
      expect(tactic).toBe(runnable[0]);
      expectClose(y, gemmReference(m, k, n, a, b, false, undefined, undefined, step), `Gemm f32_gemm ${step?.op ?? 'none'}`, 3e-4, 3e-4);
    }
  });

  it('rejects mismatched K, N and packed length', () => {
    const packed = packWeights('f32_gemm_4x4__scalar', [8, 5, 0], new Float32Array(40));
    const base = { kernel: 'f32_gemm_4x4__scalar', x: { data: new Float32Array(24), shape: [3, 8] }, packed, outShape: [3, 5], params: [8, 5, 0, 0] };
    expectCoded(() => runPacked({ ...base, params: [7, 5, 0, 0] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runPacked({ ...base, outShape: [3, 6] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runPacked({ ...base, packed: new Float32Array(packed.length + 4) }), ['ERR_PROGRAM_INVALID']);
  });
});
