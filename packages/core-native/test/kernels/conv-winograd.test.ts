// Winograd convolution variants (f32_conv_winograd_*) through the executor: every runnable variant
// against f32_conv_direct__scalar on odd sizes, pads, channel counts off the vector width,
// epilogues, batches and thread counts; strided (concat) outputs bit-equal to dense ones; the
// shapes they must refuse; and their accuracy against a float64 reference as K grows.
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, getThreads, type NativeProgram, type NativeTensor, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { ACTIVATIONS, type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng, SEED } from '../helpers/harness.js';

const { runnable: all, skipped } = variantsOf('f32_conv');
const WINOGRAD = all.filter((name) => name.startsWith('f32_conv_winograd_'));
if (skipped.length) console.log(`[winograd] skipped (not runnable here): ${skipped.filter((name) => name.includes('winograd')).join(', ')}`);
/** bf16_conv_winograd_*: f32_conv_winograd_* run with bf16 activations (bf16-activations.test.ts checks those). */
const TWINS = variantsOf('bf16_conv').runnable.filter((name) => name.startsWith('bf16_conv_winograd_'));

const conv3x3 = (c: Partial<ConvCase> & Pick<ConvCase, 'h' | 'w' | 'c' | 'oc'>): ConvCase => ({
  n: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pads: [1, 1, 1, 1], group: 1, ...c,
});

const CASES: Array<[string, ConvCase]> = [
  ['1x1 input, pad 1', conv3x3({ h: 1, w: 1, c: 3, oc: 5 })],
  ['2x3, pad 1', conv3x3({ h: 2, w: 3, c: 7, oc: 9 })],
  ['5x7, pad 0', conv3x3({ h: 5, w: 7, c: 17, oc: 20, pads: [0, 0, 0, 0] })],
  ['5x7, asymmetric pads', conv3x3({ h: 5, w: 7, c: 6, oc: 33, pads: [0, 1, 2, 0] })],
  ['9x10, pad 2', conv3x3({ h: 9, w: 10, c: 33, oc: 47, pads: [2, 2, 2, 2] })],
  ['13x13, batch 2', conv3x3({ n: 2, h: 13, w: 13, c: 19, oc: 37 })],
  ['27x27, batch 3 (several tile blocks)', conv3x3({ n: 3, h: 27, w: 27, c: 35, oc: 70 })],
  ['55x55, pad 1', conv3x3({ h: 55, w: 55, c: 5, oc: 18 })],
];

const outShape = (c: ConvCase) => [c.n, outSize(c.h, 3, 1, 1, c.pads[0], c.pads[2]), outSize(c.w, 3, 1, 1, c.pads[1], c.pads[3]), c.oc];
const packShape = (c: ConvCase) => [c.oc, c.c, 3, 3, 1, 1, 1, 1, ...c.pads, 1];
const layerParams = (c: ConvCase, bias: boolean, residual: boolean) => [3, 3, 1, 1, 1, 1, ...c.pads, 1, bias ? 1 : 0, residual ? 1 : 0];

/** y of one conv layer run by `tactic`. */
function runConv(tactic: string, c: ConvCase, x: Float32Array, w: Float32Array, bias?: Float32Array, residual?: Float32Array, step?: (typeof ACTIVATIONS)[number]): Float32Array {
  const packed = packWeights(tactic, packShape(c), w);
  const { y, tactic: ran } = runPacked({ kernel: tactic, x: { data: x, shape: [c.n, c.h, c.w, c.c] }, packed, bias, residual, outShape: outShape(c), params: layerParams(c, bias !== undefined, residual !== undefined), epilogue: step ? [step] : [] });
  expect(ran).toBe(tactic);
  return y;
}

describe(`f32_conv_winograd_* against f32_conv_direct__scalar (seed ${SEED}; KILN_TEST_SEED=${SEED} to repeat)`, () => {
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('the variants are registered for every ISA, ahead of im2col of the same ISA', () => {
    const names = [...all, ...skipped];
    for (const isa of ['avx512', 'avx2']) {
      const winograd = names.findIndex((name) => name.startsWith('f32_conv_winograd_4x4_') && name.endsWith(`__${isa}`));
      const im2col = names.findIndex((name) => name.startsWith('f32_conv_im2col_') && name.endsWith(`__${isa}`));
      expect(winograd).toBeGreaterThanOrEqual(0);
      expect(winograd).toBeLessThan(im2col);
    }
    expect(names).toContain('f32_conv_winograd_4x4_4x4__scalar');
  });

  for (const threads of [1, 2]) {
    CASES.forEach(([label, c], caseIndex) => {
      it(`${label}, ${threads} thread(s): every runnable variant`, () => {
        setThreads(threads);
        const random = rng(SEED + caseIndex);
        const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
        const w = randomFloats(c.oc * c.c * 9, random, -1, 1);
        const outCount = outShape(c).reduce((a, b) => a * b, 1);
        // Winograd's error scales with the magnitude before the activation (accuracy test below).
        const scale = runConv('f32_conv_direct__scalar', c, x, w).reduce((max, value) => Math.max(max, Math.abs(value)), 1);
        const atol = 3e-5 * (scale + 2);
        WINOGRAD.forEach((variant, variantIndex) => {
          const step = ACTIVATIONS[(caseIndex + variantIndex + threads) % ACTIVATIONS.length]!;
          const bias = (caseIndex + variantIndex) % 2 === 0 ? randomFloats(c.oc, random, -1, 1) : undefined;
          const residual = (caseIndex + variantIndex + threads) % 3 !== 1 ? randomFloats(outCount, random, -1, 1) : undefined;
          const y = runConv(variant, c, x, w, bias, residual, step);
          const reference = runConv('f32_conv_direct__scalar', c, x, w, bias, residual, step);
          expectClose(y, reference, `Conv ${label} ${variant} ${threads}t ${step.op} bias=${!!bias} residual=${!!residual}`, atol, 1e-4);
        });
      }, 60_000); // the scalar reference on the larger cases is slow under the ASan build
    });
  }

  it('refuses shapes it does not cover: 1x1, stride 2, dilation 2, groups, 5x5 (ERR_ARGUMENT)', () => {
    const shapes = [
      [8, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1],
      [8, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1],
      [8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1],
      [8, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2],
      [8, 4, 5, 5, 1, 1, 1, 1, 2, 2, 2, 2, 1],
    ];
    for (const variant of [...WINOGRAD, ...TWINS]) {
      for (const shape of shapes) {
        const weights = new Float32Array(shape[0]! * (shape[1]! / shape[12]!) * shape[2]! * shape[3]!);
        expectCoded(() => packWeights(variant, shape, weights), 'ERR_ARGUMENT');
      }
    }
  });
});

describe(`bf16_conv_winograd_* with fp32 tensors (seed ${SEED})`, () => {
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('twins every AVX2 and AVX-512 f32 Winograd variant this CPU runs', () => {
    const twinned = WINOGRAD.filter((name) => !name.endsWith('__scalar')).map((name) => name.replace(/^f32_/, 'bf16_'));
    expect(TWINS).toEqual(twinned);
  });

  for (const twin of TWINS) {
    const f32 = twin.replace(/^bf16_/, 'f32_');
    it(`${twin}: the same bits as ${f32}, 1 and 2 threads`, () => {
      const random = rng(SEED + 71);
      for (const [label, c] of CASES.filter(([, c]) => c.h * c.w * c.n <= 27 * 27 * 3)) {
        for (const threads of [1, 2]) {
          setThreads(threads);
          const x = randomFloats(c.n * c.h * c.w * c.c, random, -1, 1);
          const w = randomFloats(c.oc * c.c * 9, random, -0.5, 0.5);
          const bias = randomFloats(c.oc, random, -0.5, 0.5);
          const residual = randomFloats(outShape(c).reduce((a, b) => a * b, 1), random, -1, 1);
          const step = ACTIVATIONS[threads % ACTIVATIONS.length];
          expect(runConv(twin, c, x, w, bias, residual, step), `${twin} ${label} ${threads}t`).toEqual(runConv(f32, c, x, w, bias, residual, step));
        }
      }
    });
  }
});

describe(`f32_conv_winograd_* strided outputs (seed ${SEED})`, () => {
  const [N, H, W, C, OC, STRIDE, OFFSET] = [2, 7, 9, 20, 11, 29, 13];
  /** Conv of x [N, H, W, C] into OC channels (3x3 pad 1, ReLU), dense or as channels [OFFSET, OFFSET + OC) of a wider tensor. */
  function run(tactic: string, x: Float32Array, packed: Float32Array, stride: number): Float32Array {
    const width = stride > 0 ? stride : OC;
    const offset = stride > 0 ? OFFSET : 0;
    const tensors: NativeTensor[] = [
      { dtype: 'float32', shape: [N, H, W, C], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
      { dtype: 'float32', shape: [N, H, W, OC], location: 'arena', offset: offset * 4, ...(stride > 0 ? { rowStride: stride } : {}) },
      { dtype: 'float32', shape: [N, H, W, width], location: 'arena', offset: 0 },
      { dtype: 'float32', shape: [N, H, W, width], location: 'output', slot: 0 },
    ];
    const program: NativeProgram = {
      arenaBytes: Math.ceil((N * H * W * width * 4) / 64) * 64,
      tensors,
      layers: [
        { kernel: tactic, inputs: [0, 1], outputs: [stride > 0 ? 2 : 3], params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0], epilogue: [{ op: 'Relu' }] },
        { kernel: 'x_copy__scalar', inputs: [3], outputs: [4] },
      ],
    };
    const y = new Float32Array(N * H * W * width).fill(Number.NaN);
    createEngine(program, packed).createContext().runSync([x], [y]);
    return y;
  }

  for (const tactic of WINOGRAD) {
    it(`${tactic}: writes its channels in place, equal to the dense run`, () => {
      const random = rng(SEED + 100);
      const x = randomFloats(N * H * W * C, random);
      const packed = packWeights(tactic, [OC, C, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], randomFloats(OC * C * 9, random, -1, 1));
      const dense = run(tactic, x, packed, 0);
      const strided = run(tactic, x, packed, STRIDE);
      for (let pixel = 0; pixel < N * H * W; pixel++) {
        const slice = strided.subarray(pixel * STRIDE + OFFSET, pixel * STRIDE + OFFSET + OC);
        expect(Array.from(slice)).toEqual(Array.from(dense.subarray(pixel * OC, (pixel + 1) * OC)));
      }
    });
  }
});

describe(`f32_conv_winograd_* accuracy against a float64 reference (seed ${SEED})`, () => {
  // Inputs and weights uniform in [-1, 1], 12x12 pad 1, 24 output channels. The error is max|Δ|
  // over the output divided by max|y|; the direct fp32 kernel's own error is the baseline.
  // Measured (3 seeds): direct 0.4-3e-6, F(2x2) 0.2-0.7e-6, F(4x4) 2-11e-6, growing with K.
  const normalized = (y: Float32Array, reference: Float32Array) => {
    let delta = 0;
    let scale = 0;
    for (let i = 0; i < y.length; i++) {
      delta = Math.max(delta, Math.abs(y[i]! - reference[i]!));
      scale = Math.max(scale, Math.abs(reference[i]!));
    }
    return delta / scale;
  };
  for (const k of [16, 64, 256, 512]) {
    it(`K = ${k}: F(4x4) within 3e-5 and F(2x2) within 3e-6 of max|y|`, () => {
      setThreads(1);
      const c = conv3x3({ h: 12, w: 12, c: k, oc: 24 });
      const random = rng(SEED + k);
      const x = randomFloats(c.h * c.w * c.c, random, -1, 1);
      const w = randomFloats(c.oc * c.c * 9, random, -1, 1);
      const exact = convReference(c, x, w);
      const direct = normalized(runConv('f32_conv_direct__scalar', c, x, w), exact);
      const errors = WINOGRAD.map((variant) => [variant, normalized(runConv(variant, c, x, w), exact)] as const);
      console.log(`[winograd] K=${k} max|Δ|/max|y|: direct ${direct.toExponential(2)}, ${errors.map(([name, error]) => `${name} ${error.toExponential(2)}`).join(', ')}`);
      for (const [variant, error] of errors) expect(error, variant).toBeLessThan(variant.includes('_winograd_4x4_') ? 3e-5 : 3e-6);
    });
  }
});
