// bf16 activations between bf16 layers: bfloat16 arena tensors written and read by bf16_conv
// (AMX: bf16 rows in place or bf16 im2col, epilogue rounded on store; other variants: widened
// around the fp32 path) and bf16_dwconv. Each bf16 tensor must be exactly float_to_bf16 of the
// fp32 value the same kernel writes, and a layer reading one must match, bit for bit, the same
// layer reading the widened fp32 values. A bf16_dwconv 1x1 with weight 1 (an exact copy) moves
// values between fp32 and bf16 where the chain needs it. Plus the coded errors for bf16 in bad places.
import { KilnError } from '@kiln/common';
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { type ConvCase, convReference, outSize, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng, roundBf16 } from '../helpers/harness.js';

type DType = 'float32' | 'bfloat16';
const RELU6: NativeProgram['layers'][number]['epilogue'] = [{ op: 'Clip', alpha: 0, beta: 6 }];
const random = rng(8016);

interface Step {
  kernel: string;
  /** Packed weights (empty: a layer without weights). */
  packed: Float32Array;
  bias?: Float32Array;
  params: number[];
  epilogue?: NativeProgram['layers'][number]['epilogue'];
  y: { dtype: DType; shape: number[] };
  /** Adds the output of an earlier step as the residual (-1: the program's second input). */
  residual?: number;
}

/** fp32 input(s) through `steps`; intermediate tensors in the arena, the last one an fp32 output. */
function chain(input: { data: Float32Array; shape: number[] }, steps: Step[], second?: { data: Float32Array; shape: number[] }): Float32Array {
  const tensors: NativeTensor[] = [{ dtype: 'float32', shape: input.shape, location: 'input', slot: 0 }];
  if (second) tensors.push({ dtype: 'float32', shape: second.shape, location: 'input', slot: 1 });
  const blobs: Float32Array[] = [];
  let weightFloats = 0;
  const weight = (data: Float32Array) => {
    tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: weightFloats * 4 });
    blobs.push(data);
    weightFloats += Math.ceil(data.length / 16) * 16;
    return tensors.length - 1;
  };
  let arena = 0;
  let previous = 0;
  const outputOf: number[] = [];
  const layers: NativeProgram['layers'] = [];
  steps.forEach((step, i) => {
    const residual = step.residual === undefined ? [] : [step.residual < 0 ? 1 : outputOf[step.residual]!];
    const inputs = [previous, ...(step.packed.length > 0 ? [weight(step.packed)] : []), ...(step.bias ? [weight(step.bias)] : []), ...residual];
    const last = i === steps.length - 1;
    const bytes = step.y.shape.reduce((a, b) => a * b, 1) * (step.y.dtype === 'bfloat16' ? 2 : 4);
    tensors.push(last ? { ...step.y, location: 'output', slot: 0 } : { ...step.y, location: 'arena', offset: arena });
    if (!last) arena += Math.ceil(bytes / 64) * 64;
    previous = tensors.length - 1;
    outputOf.push(previous);
    layers.push({ kernel: step.kernel, inputs, outputs: [previous], params: step.params, ...(step.epilogue ? { epilogue: step.epilogue } : {}) });
  });
  const weights = new Float32Array(weightFloats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const y = new Float32Array(steps.at(-1)!.y.shape.reduce((a, b) => a * b, 1));
  createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync(second ? [input.data, second.data] : [input.data], [y]);
  return y;
}

/** An exact copy into `to` from whatever the previous step wrote (1x1 depthwise, weight 1, no bias): the rounding or widening alone. */
function copy(shape: number[], to: DType): Step {
  const c = shape[3]!;
  return { kernel: 'bf16_dwconv__scalar', packed: packWeights('bf16_dwconv__scalar', [c, c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c], new Float32Array(c).fill(1)), params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c, 0, 0], y: { dtype: to, shape } };
}

interface Shape extends ConvCase {
  label: string;
}

const convShape = (label: string, h: number, w: number, c: number, oc: number, k: number, s: number, p: number): Shape => ({
  label, n: 1, h, w, c, oc, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, pads: [p, p, p, p], group: 1,
});

const SHAPES: Shape[] = [
  convShape('1x1 K=40 (rows copied), 37 out', 7, 9, 40, 37, 1, 1, 0),
  convShape('1x1 K=64 (rows in place), 63 rows', 7, 9, 64, 48, 1, 1, 0),
  convShape('1x1 K=24 (one K step, the tail copied alone), 70 rows', 7, 10, 24, 40, 1, 1, 0),
  convShape('1x1 K=32 (one K step in place), 70 rows, 72 out', 7, 10, 32, 72, 1, 1, 0),
  convShape('1x1 K=144 (128 columns in place + a copied tail), 99 rows', 9, 11, 144, 24, 1, 1, 0),
  convShape('3x3 s2 p1 K=216 (padded im2col)', 9, 11, 24, 20, 3, 2, 1),
  convShape('3x3 s1 p1 K=648 (two K blocks)', 6, 7, 72, 33, 3, 1, 1),
  // AVX512-BF16 reads pairs of a row: an odd K (and odd row stride) copies rows with a zero pair
  // tail; bf16 im2col rows are zero-padded, so an odd K there is read in place.
  convShape('1x1 K=37 (odd: rows copied, a zero past K), 41 out', 5, 9, 37, 41, 1, 1, 0),
  convShape('3x3 s1 p1 K=27 (odd, padded im2col)', 8, 9, 3, 35, 3, 1, 1),
  convShape('1x1 K=1024 (AVX512-BF16: blocks of 126 rows, 4 K blocks), 300 rows', 15, 20, 1024, 40, 1, 1, 0),
];

function convStep(kernel: string, s: Shape, weights: Float32Array, bias: Float32Array, y: DType, residual?: number): Step {
  const oh = outSize(s.h, s.kh, s.sh, s.dh, s.pads[0], s.pads[2]);
  const ow = outSize(s.w, s.kw, s.sw, s.dw, s.pads[1], s.pads[3]);
  return {
    kernel,
    packed: packWeights(kernel, [s.oc, s.c, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, ...s.pads, 1], weights),
    bias,
    params: [s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, ...s.pads, 1, 1, residual === undefined ? 0 : 1],
    epilogue: RELU6,
    y: { dtype: y, shape: [1, oh, ow, s.oc] },
    ...(residual === undefined ? {} : { residual }),
  };
}

const convVariants = variantsOf('bf16_conv');
const dwVariants = variantsOf('bf16_dwconv');
const threadsBefore = getThreads();

describe('bf16 activations: bf16_conv', () => {
  afterAll(() => setThreads(threadsBefore));

  it('lists bf16_dwconv with a scalar reference', () => {
    expect(dwVariants.runnable).toContain('bf16_dwconv__scalar');
  });

  for (const s of SHAPES) {
    const x = roundBf16(randomFloats(s.h * s.w * s.c, random, -2, 2));
    const w = randomFloats(s.oc * s.c * s.kh * s.kw, random, -0.2, 0.2);
    const bias = randomFloats(s.oc, random, -0.5, 0.5);
    const variants = convVariants.runnable.filter((name) => (!name.includes('_1x1_') || s.kh === 1) && (!name.includes('_winograd_') || (s.kh === 3 && s.sh === 1)));
    const out = convStep(variants[0]!, s, w, bias, 'float32').y.shape;
    const r = roundBf16(randomFloats(out.reduce((a, b) => a * b, 1), random, -1, 1));
    const input = { data: x, shape: [1, s.h, s.w, s.c] };
    const second = { data: r, shape: out };
    for (const threads of [1, 2]) {
      for (const kernel of variants) {
        it(`${kernel} ${s.label}, ${threads} thread(s): bf16 output is the rounded fp32 output`, () => {
          setThreads(threads);
          const fp32 = chain(input, [convStep(kernel, s, w, bias, 'float32')]);
          const bf16 = chain(input, [convStep(kernel, s, w, bias, 'bfloat16'), copy(out, 'float32')]);
          expectClose(bf16, roundBf16(fp32), `${kernel} bf16 out`, 0, 0);
          // And the fp32 path is right to bf16 accuracy (operands rounded to bf16, fp32 sums); the
          // Winograd twins' fp32 path is f32_conv's (fp32 weights).
          const weights = kernel.includes('_winograd_') ? w : roundBf16(w);
          expectClose(fp32, convReference(s, x, weights, bias, undefined, RELU6![0]), `${kernel} vs reference`, 2e-3, 2e-3);
        });
        it(`${kernel} ${s.label}, ${threads} thread(s): bf16 input and residual read as the widened fp32`, () => {
          setThreads(threads);
          // The residual is step 0's bf16 copy of the second input; the conv reads step 1's bf16 copy of x.
          const fp32 = chain(input, [convStep(kernel, s, w, bias, 'float32', -1)], second);
          const steps = [
            copy(out, 'bfloat16'),
            copy([1, s.h, s.w, s.c], 'bfloat16'),
            convStep(kernel, s, w, bias, 'bfloat16', 0),
            copy(out, 'float32'),
          ];
          // Step 0 reads the program input x, not r: route r in by making step 0 the residual copy of the second input.
          const bf16 = chainWithResidualCopy(input, second, steps);
          expectClose(bf16, roundBf16(fp32), `${kernel} bf16 in/out + bf16 residual`, 0, 0);
          const widenedOut = chainWithResidualCopy(input, second, [...steps.slice(0, 2), convStep(kernel, s, w, bias, 'float32', 0)]);
          expectClose(widenedOut, fp32, `${kernel} bf16 in, fp32 out`, 0, 0);
        });
      }
    }
  }
});

/**
 * steps[0] copies the second input (the residual) to bf16, steps[1] copies x to bf16; the rest
 * follow steps[1]. Built by hand: chain() feeds each step the previous one's output.
 */
function chainWithResidualCopy(input: { data: Float32Array; shape: number[] }, second: { data: Float32Array; shape: number[] }, steps: Step[]): Float32Array {
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: input.shape, location: 'input', slot: 0 },
    { dtype: 'float32', shape: second.shape, location: 'input', slot: 1 },
  ];
  const blobs: Float32Array[] = [];
  let weightFloats = 0;
  const weight = (data: Float32Array) => {
    tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: weightFloats * 4 });
    blobs.push(data);
    weightFloats += Math.ceil(data.length / 16) * 16;
    return tensors.length - 1;
  };
  let arena = 0;
  const outputOf: number[] = [];
  const layers: NativeProgram['layers'] = [];
  steps.forEach((step, i) => {
    const source = i === 0 ? 1 : i === 1 ? 0 : outputOf[i - 1]!;
    const residual = step.residual === undefined ? [] : [outputOf[step.residual]!];
    const inputs = [source, weight(step.packed), ...(step.bias ? [weight(step.bias)] : []), ...residual];
    const last = i === steps.length - 1;
    const bytes = step.y.shape.reduce((a, b) => a * b, 1) * (step.y.dtype === 'bfloat16' ? 2 : 4);
    tensors.push(last ? { ...step.y, location: 'output', slot: 0 } : { ...step.y, location: 'arena', offset: arena });
    if (!last) arena += Math.ceil(bytes / 64) * 64;
    outputOf.push(tensors.length - 1);
    layers.push({ kernel: step.kernel, inputs, outputs: [tensors.length - 1], params: step.params, ...(step.epilogue ? { epilogue: step.epilogue } : {}) });
  });
  const weights = new Float32Array(weightFloats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const y = new Float32Array(steps.at(-1)!.y.shape.reduce((a, b) => a * b, 1));
  createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync([input.data, second.data], [y]);
  return y;
}

interface DwShape {
  label: string;
  h: number;
  w: number;
  c: number;
  k: number;
  s: number;
  pads: [number, number, number, number];
}

const DW_SHAPES: DwShape[] = [
  { label: '3x3 s1 p1, 37 channels', h: 11, w: 13, c: 37, k: 3, s: 1, pads: [1, 1, 1, 1] },
  { label: '3x3 s2 p(0,0,1,1), 40 channels', h: 12, w: 9, c: 40, k: 3, s: 2, pads: [0, 0, 1, 1] },
  { label: '5x5 s1 p2, 19 channels', h: 8, w: 10, c: 19, k: 5, s: 1, pads: [2, 2, 2, 2] },
  { label: '3x3 s1 p1 56x56x40 (split over threads)', h: 56, w: 56, c: 40, k: 3, s: 1, pads: [1, 1, 1, 1] },
];

describe('bf16 activations: bf16_dwconv', () => {
  afterAll(() => setThreads(threadsBefore));

  for (const d of DW_SHAPES) {
    const oh = outSize(d.h, d.k, d.s, 1, d.pads[0], d.pads[2]);
    const ow = outSize(d.w, d.k, d.s, 1, d.pads[1], d.pads[3]);
    const x = randomFloats(d.h * d.w * d.c, random, -3, 3);
    const w = randomFloats(d.c * d.k * d.k, random, -0.7, 0.7);
    const bias = randomFloats(d.c, random, -0.5, 0.5);
    const residual = randomFloats(oh * ow * d.c, random, -1, 1);
    const inShape = [1, d.h, d.w, d.c];
    const outShape = [1, oh, ow, d.c];
    const step = (kernel: string, y: DType, withResidual: boolean): Step => ({
      kernel,
      packed: packWeights(kernel, [d.c, d.c, d.k, d.k, d.s, d.s, 1, 1, ...d.pads, d.c], w),
      bias,
      params: [d.k, d.k, d.s, d.s, 1, 1, ...d.pads, d.c, 1, withResidual ? 1 : 0],
      epilogue: RELU6,
      y: { dtype: y, shape: outShape },
      ...(withResidual ? { residual: -1 } : {}),
    });
    const variants = dwVariants.runnable.filter((name) => !name.includes('_3x3') || d.k === 3);
    for (const threads of [1, 2]) {
      for (const kernel of variants) {
        it(`${kernel} ${d.label}, ${threads} thread(s): matches bf16_dwconv__scalar bit for bit, every in/out type`, () => {
          setThreads(threads);
          for (const [from, to] of [['float32', 'bfloat16'], ['bfloat16', 'bfloat16'], ['bfloat16', 'float32'], ['float32', 'float32']] as [DType, DType][]) {
            const run = (name: string) => {
              const steps = from === 'bfloat16' ? [copy(inShape, 'bfloat16')] : [];
              steps.push(step(name, to, false));
              if (to === 'bfloat16') steps.push(copy(outShape, 'float32'));
              return chain({ data: x, shape: inShape }, steps);
            };
            expectClose(run(kernel), run('bf16_dwconv__scalar'), `${kernel} ${from} -> ${to}`, 0, 0);
          }
          const withResidual = (name: string) => chain({ data: x, shape: inShape }, [step(name, 'bfloat16', true), copy(outShape, 'float32')], { data: residual, shape: outShape });
          expectClose(withResidual(kernel), withResidual('bf16_dwconv__scalar'), `${kernel} + residual`, 0, 0);
        });
      }
    }
    it(`bf16_dwconv__avx512 equals f32_dwconv__avx512 rounded once (${d.label})`, (context) => {
      if (!dwVariants.runnable.includes('bf16_dwconv__avx512')) context.skip();
      const f32 = chain({ data: roundBf16(x), shape: inShape }, [{ ...step('f32_dwconv__avx512', 'float32', false), packed: packWeights('f32_dwconv__avx512', [d.c, d.c, d.k, d.k, d.s, d.s, 1, 1, ...d.pads, d.c], w) }]);
      const bf16 = chain({ data: x, shape: inShape }, [copy(inShape, 'bfloat16'), step('bf16_dwconv__avx512', 'bfloat16', false), copy(outShape, 'float32')]);
      expectClose(bf16, roundBf16(f32), 'bf16_dwconv vs f32_dwconv', 0, 0);
    });
  }

  // Subnormal results (vcvtneps2bf16 would flush them), values rounding up into the normal range,
  // NaN, infinities and signed zeros: every variant stores the scalar reference's bits.
  {
    const [h, w, c] = [4, 18, 35];
    const special = [1e-39, -1e-39, 1.1754942e-38, -1.17549e-38, 2.3e-38, -4e-38, 0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, -3.25e-5];
    const x = new Float32Array(h * w * c).map((_, i) => special[(i * 7) % special.length]!);
    const weights = new Float32Array(9 * c).map((_, i) => (Math.floor(i / c) === 4 ? 0.5 : 0)); // the centre tap only
    const shape = [1, h, w, c];
    const layer = (kernel: string): Step => ({
      kernel,
      packed: packWeights(kernel, [c, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, c], weights),
      params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, c, 0, 0],
      y: { dtype: 'bfloat16', shape },
    });
    const bits = (kernel: string, from: DType) => new Uint32Array(chain({ data: x, shape }, [...(from === 'bfloat16' ? [copy(shape, 'bfloat16')] : []), layer(kernel), copy(shape, 'float32')]).buffer);
    for (const kernel of dwVariants.runnable.filter((name) => name !== 'bf16_dwconv__scalar')) {
      for (const threads of [1, 2]) {
        it(`${kernel}, ${threads} thread(s): rounds subnormals, NaN, infinities and zeros as the scalar reference does`, () => {
          setThreads(threads);
          for (const from of ['float32', 'bfloat16'] as DType[]) expect(bits(kernel, from), `${kernel} ${from} -> bfloat16`).toEqual(bits('bf16_dwconv__scalar', from));
        });
      }
    }
  }
});

// The store of bf16_conv's epilogue: zero input and weight 1, so each output is its channel's
// fp32 bias rounded once. Subnormals (vcvtneps2bf16 would flush them), ties, values rounding up
// into the normal range or to infinity, NaN, infinities and signed zeros: every variant stores the
// scalar variant's bits.
describe('bf16 activations: bf16_conv rounding on store', () => {
  const edge = [
    0x3f808000, 0x3f818000, 0x3f808001, 0x3f80ffff, 0xbf818000, 0x00018000, 0x00008000, 0x007fffff, 0x80400001, 0x7f7fffff, 0xff7fffff, 0x7f800000,
    0xff800000, 0x7fc00001, 0x40490fdb, 0x3eaaaaab, 0x00000001, 0x3f7fffff, 0x80000000, 0x00000000, 0x007fff80, 0x00800000,
  ];
  const bias = new Float32Array(new Uint32Array([...edge, ...edge.slice(0, 13)]).buffer);
  const s = convShape('1x1 K=32', 3, 11, 32, bias.length, 1, 1, 0);
  const out = [1, s.h, s.w, s.oc];
  const bits = (kernel: string) => {
    const step = { ...convStep(kernel, s, new Float32Array(s.oc * s.c).fill(1), bias, 'bfloat16'), epilogue: [] };
    return new Uint32Array(chain({ data: new Float32Array(s.h * s.w * s.c), shape: [1, s.h, s.w, s.c] }, [step, copy(out, 'float32')]).buffer);
  };
  const scalar = convVariants.runnable.find((name) => name.endsWith('__scalar'));
  // On a CPU without AVX512-BF16 or AMX only the scalar variant runs: nothing to compare it with.
  it('has a scalar variant, runnable everywhere', () => expect(scalar).toBeDefined());
  for (const kernel of convVariants.runnable.filter((name) => name !== scalar && !name.includes('_winograd_'))) {
    it(`${kernel}: stores the scalar variant's bits`, () => {
      setThreads(1);
      expect(scalar).toBeDefined();
      expect(bits(kernel)).toEqual(bits(scalar!));
    });
  }
});

const poolVariants = variantsOf('bf16_maxpool2d_nhwc');

describe('bf16 activations: bf16_maxpool2d_nhwc', () => {
  // squeezenet's 3x3 stride 2 (ceil mode: the last window hangs over the edge), and a padded 2x2.
  const cases = [
    { label: '3x3 s2 ceil, 27 channels', h: 13, w: 12, c: 27, k: 3, s: 2, pads: [0, 0, 1, 1] as const, oh: 6, ow: 6 },
    { label: '2x2 s1 p1, 70 channels', h: 5, w: 7, c: 70, k: 2, s: 1, pads: [1, 1, 0, 0] as const, oh: 5, ow: 7 },
  ];
  for (const p of cases) {
    const x = randomFloats(p.h * p.w * p.c, random, -3, 3);
    const inShape = [1, p.h, p.w, p.c];
    const outShape = [1, p.oh, p.ow, p.c];
    const pool = (kernel: string, dtype: DType): Step => ({ kernel, packed: new Float32Array(0), params: [p.k, p.k, p.s, p.s, ...p.pads, 1, 1, 0], y: { dtype, shape: outShape } });
    for (const kernel of poolVariants.runnable) {
      it(`${kernel} ${p.label}: the rounded f32_maxpool2d_nhwc output`, () => {
        const bf16 = chain({ data: x, shape: inShape }, [copy(inShape, 'bfloat16'), pool(kernel, 'bfloat16'), copy(outShape, 'float32')]);
        const f32 = chain({ data: roundBf16(x), shape: inShape }, [pool('f32_maxpool2d_nhwc', 'float32')]);
        expectClose(bf16, f32, kernel, 0, 0);
      });
    }
  }
});

describe('bf16 activations: coded errors', () => {
  const shape = [1, 4, 4, 16];
  it('refuses a bfloat16 tensor read by an fp32 kernel', () => {
    const steps = [copy(shape, 'bfloat16'), { ...copy(shape, 'float32'), kernel: 'f32_dwconv__scalar', packed: packWeights('f32_dwconv__scalar', [16, 16, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 16], new Float32Array(16).fill(1)) }];
    let error: unknown;
    try {
      chain({ data: new Float32Array(256), shape }, steps);
    } catch (caught) {
      error = caught;
    }
    expect(KilnError.isInstance(error) && error.code).toBe('ERR_PROGRAM_INVALID');
    expect(String((error as Error).message)).toMatch(/bfloat16/);
  });
  it('refuses a bfloat16 engine input', () => {
    const program: NativeProgram = {
      arenaBytes: 0,
      tensors: [
        { dtype: 'bfloat16', shape, location: 'input', slot: 0 },
        { dtype: 'float32', shape: [16], location: 'weights', offset: 0 },
        { dtype: 'float32', shape, location: 'output', slot: 0 },
      ],
      layers: [{ kernel: 'bf16_dwconv__scalar', inputs: [0, 1], outputs: [2], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 16, 0, 0] }],
    };
    expect(() => createEngine(program, new Float32Array(16).fill(1))).toThrow(/arena/);
  });
});
