// bf16_mbconv (fused inverted-residual block of bf16 engines) through the executor: every runnable
// variant, with fp32 or bf16 input, output and residual, at automatic and forced band heights, on
// 1 and 2 threads, must equal bit for bit the unfused chain of the three bf16 layers it replaces
// (bf16_conv expand → bf16_dwconv → bf16_conv project, bf16 tensors between them) on the same GEMM
// variant. bf16 tensors live in the arena: a bf16_dwconv 1x1 with weight 1 copies the fp32 program
// input to bf16 (one rounding) and a bf16 output back to fp32 (exact). Bad layers are rejected.
import { afterAll, describe, expect, it } from 'vitest';
import type { NativeProgram, NativeTensor, NativeUnaryStep } from '../../src/index.js';
import { createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng, SEED } from '../helpers/harness.js';

type DType = 'float32' | 'bfloat16';

interface Block {
  n: number;
  h: number;
  w: number;
  c: number;
  /** Expanded channels; 0 = no expand conv (E = C). */
  e: number;
  oc: number;
  k: number;
  s: number;
  pads: [number, number, number, number];
  residual: boolean;
  /** Activation of the expand, depthwise and project stages. */
  acts: [NativeUnaryStep | undefined, NativeUnaryStep | undefined, NativeUnaryStep | undefined];
}

const RELU6: NativeUnaryStep = { op: 'Clip', alpha: 0, beta: 6 };
const block = (b: Partial<Block> & Pick<Block, 'h' | 'w' | 'c' | 'e' | 'oc'>): Block => ({
  n: 1, k: 3, s: 1, pads: [1, 1, 1, 1], residual: false, acts: [RELU6, RELU6, undefined], ...b,
});

const CASES: Array<[string, Block]> = [
  ['7x7 stride 1 residual, odd channels', block({ h: 7, w: 7, c: 13, e: 37, oc: 13, residual: true })],
  ['13x13 stride 2 batch 2', block({ n: 2, h: 13, w: 13, c: 8, e: 40, oc: 17, s: 2 })],
  ['28x28 stride 2, 16 → 96 → 24 (K 16: rows copied)', block({ h: 28, w: 28, c: 16, e: 96, oc: 24, s: 2 })],
  ['21x21 stride 1 residual, 24 → 144 → 24 (E not a multiple of 32)', block({ h: 21, w: 21, c: 24, e: 144, oc: 24, residual: true })],
  ['14x14 stride 1 residual batch 2, other activations', block({ n: 2, h: 14, w: 14, c: 32, e: 64, oc: 32, residual: true, acts: [{ op: 'HardSwish' }, { op: 'Relu' }, { op: 'LeakyRelu', alpha: 0.1 }] })],
  ['no expand 14x14 stride 1, 32 → 16', block({ h: 14, w: 14, c: 32, e: 0, oc: 16, acts: [undefined, RELU6, undefined] })],
  ['no expand 13x13 stride 2 batch 2', block({ n: 2, h: 13, w: 13, c: 21, e: 0, oc: 5, s: 2, acts: [undefined, { op: 'Clip', alpha: -0.5, beta: 1.5 }, { op: 'Tanh' }] })],
  ['5x5 depthwise pad 2, 9x11, stride 2', block({ h: 9, w: 11, c: 6, e: 18, oc: 7, k: 5, s: 2, pads: [2, 2, 2, 2] })],
  ['asymmetric pads, 10x7 stride 1', block({ h: 10, w: 7, c: 5, e: 33, oc: 9, pads: [0, 1, 2, 0], acts: [{ op: 'Sigmoid' }, undefined, RELU6] })],
  // Fewer than 8 output rows per thread and over 2 MFLOP: on 2 threads these run in stages.
  ['stages: 7x7 stride 1 residual, 64 → 384 → 64', block({ h: 7, w: 7, c: 64, e: 384, oc: 64, residual: true })],
  ['stages: 14x14 stride 2 batch 2, 32 → 192 → 40', block({ n: 2, h: 14, w: 14, c: 32, e: 192, oc: 40, s: 2, acts: [RELU6, { op: 'HardSwish' }, undefined] })],
  ['stages: no expand 14x14 stride 2, 256 → 96', block({ h: 14, w: 14, c: 256, e: 0, oc: 96, s: 2, acts: [undefined, RELU6, { op: 'Relu' }] })],
];

const expandChannels = (b: Block) => (b.e === 0 ? b.c : b.e);
const outSize = (size: number, before: number, after: number, k: number, s: number) => Math.floor((size + before + after - k) / s) + 1;
const outShape = (b: Block) => [b.n, outSize(b.h, b.pads[0], b.pads[2], b.k, b.s), outSize(b.w, b.pads[1], b.pads[3], b.k, b.s), b.oc];
const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const padTo16 = (n: number) => Math.ceil(n / 16) * 16;

interface Weights {
  we: Float32Array;
  be: Float32Array;
  wd: Float32Array;
  bd: Float32Array;
  wp: Float32Array;
  bp: Float32Array;
}

function weightsOf(b: Block, random: () => number): Weights {
  const e = expandChannels(b);
  const scaled = (n: number, fanIn: number) => randomFloats(n, random, -1.5 / Math.sqrt(fanIn), 1.5 / Math.sqrt(fanIn));
  return {
    we: scaled(e * b.c, b.c), be: randomFloats(e, random, -0.5, 0.5),
    wd: scaled(e * b.k * b.k, b.k * b.k), bd: randomFloats(e, random, -0.5, 0.5),
    wp: scaled(b.oc * e, e), bp: randomFloats(b.oc, random, -0.5, 0.5),
  };
}

/** A program of layers over fp32 bound inputs/outputs, fp32 weights and arena tensors of either dtype. */
class ProgramBuilder {
  readonly tensors: NativeTensor[] = [];
  readonly layers: NativeProgram['layers'] = [];
  private weights: Float32Array[] = [];
  private weightBytes = 0;
  private arenaBytes = 0;
  private slots = { input: 0, output: 0 };

  weight(data: Float32Array): number {
    this.weights.push(data);
    this.tensors.push({ dtype: 'float32', shape: [data.length], location: 'weights', offset: this.weightBytes });
    this.weightBytes += padTo16(data.length) * 4;
    return this.tensors.length - 1;
  }
  arena(dtype: DType, shape: number[]): number {
    this.tensors.push({ dtype, shape, location: 'arena', offset: this.arenaBytes });
    this.arenaBytes += Math.ceil((count(shape) * (dtype === 'bfloat16' ? 2 : 4)) / 64) * 64;
    return this.tensors.length - 1;
  }
  bound(location: 'input' | 'output', shape: number[]): number {
    this.tensors.push({ dtype: 'float32', shape, location, slot: this.slots[location]++ });
    return this.tensors.length - 1;
  }
  /** Tensor `from` as `dtype`: itself, or an exact 1x1 depthwise copy (weight 1) into the arena. */
  as(dtype: DType, from: number): number {
    const source = this.tensors[from]!;
    if (source.dtype === dtype) return from;
    const c = source.shape[3]!;
    const packed = this.weight(packWeights('bf16_dwconv__scalar', [c, c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c], new Float32Array(c).fill(1)));
    const to = this.arena(dtype, [...source.shape]);
    this.layers.push({ kernel: 'bf16_dwconv__scalar', inputs: [from, packed], outputs: [to], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c, 0, 0] });
    return to;
  }
  /** The program's fp32 output `y` from `last` (a bf16 tensor is copied out). */
  output(last: number): void {
    const shape = [...this.tensors[last]!.shape];
    const y = this.bound('output', shape);
    const layer = this.layers.find((entry) => entry.outputs[0] === last)!;
    if (this.tensors[last]!.dtype === 'float32') {
      layer.outputs[0] = y;
      return;
    }
    const c = shape[3]!;
    const packed = this.weight(packWeights('bf16_dwconv__scalar', [c, c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c], new Float32Array(c).fill(1)));
    this.layers.push({ kernel: 'bf16_dwconv__scalar', inputs: [last, packed], outputs: [y], params: [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, c, 0, 0] });
  }
  run(inputs: Float32Array[], outShape: number[]): { y: Float32Array; tactics: string[] } {
    const data = new Float32Array(this.weightBytes / 4);
    let offset = 0;
    for (const blob of this.weights) {
      data.set(blob, offset);
      offset += padTo16(blob.length);
    }
    const engine = createEngine({ arenaBytes: this.arenaBytes, tensors: this.tensors, layers: this.layers }, data);
    const y = new Float32Array(count(outShape));
    engine.createContext().runSync(inputs, [y]);
    return { y, tactics: engine.describe().tactics };
  }
}

/** The dtypes of one test: the block's input, output and residual tensors. */
interface Form {
  x: DType;
  y: DType;
  residual: DType;
}

/** The bf16 layers an mbconv variant stands for: its GEMM's 1x1 conv and the depthwise rows it calls. */
function unfusedKernels(variant: string, b: Block): { conv: string; dw: string } {
  const [, tile, isa] = /^bf16_mbconv_(\w+?)__(\w+)$/.exec(variant)!;
  const conv = isa === 'scalar' ? `bf16_conv_im2col_${tile}__scalar` : `bf16_conv_1x1_${tile}__${isa}`;
  const dw = isa === 'scalar' ? 'bf16_dwconv__scalar' : b.k === 3 ? 'bf16_dwconv_3x3__avx512' : 'bf16_dwconv__avx512';
  return { conv, dw };
}

const convParams = (k: number, s: number, pads: number[], group: number, residual: boolean) => [k, k, s, s, 1, 1, ...pads, group, 1, residual ? 1 : 0];

/** The unfused chain: expand, depthwise and project as three bf16 layers with bf16 tensors between them. */
function runChain(variant: string, b: Block, w: Weights, form: Form, x: Float32Array, residual: Float32Array | undefined): Float32Array {
  const { conv, dw } = unfusedKernels(variant, b);
  const e = expandChannels(b);
  const p = new ProgramBuilder();
  const xIn = p.as(form.x, p.bound('input', [b.n, b.h, b.w, b.c]));
  const resIn = residual ? (residual === x ? xIn : p.as(form.residual, p.bound('input', outShape(b)))) : -1;
  let current = xIn;
  if (b.e !== 0) {
    const expanded = p.arena('bfloat16', [b.n, b.h, b.w, e]);
    const packed = p.weight(packWeights(conv, [e, b.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w.we));
    p.layers.push({ kernel: conv, inputs: [current, packed, p.weight(w.be)], outputs: [expanded], params: convParams(1, 1, [0, 0, 0, 0], 1, false), epilogue: b.acts[0] ? [b.acts[0]] : [] });
    current = expanded;
  }
  const [, oh, ow] = outShape(b);
  const depthwise = p.arena('bfloat16', [b.n, oh!, ow!, e]);
  const dwPacked = p.weight(packWeights(dw, [e, e, b.k, b.k, b.s, b.s, 1, 1, ...b.pads, e], w.wd));
  p.layers.push({ kernel: dw, inputs: [current, dwPacked, p.weight(w.bd)], outputs: [depthwise], params: convParams(b.k, b.s, b.pads, e, false), epilogue: b.acts[1] ? [b.acts[1]] : [] });
  const y = p.arena(form.y, outShape(b));
  const projectPacked = p.weight(packWeights(conv, [b.oc, e, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w.wp));
  p.layers.push({ kernel: conv, inputs: [depthwise, projectPacked, p.weight(w.bp), ...(residual ? [resIn] : [])], outputs: [y], params: convParams(1, 1, [0, 0, 0, 0], 1, !!residual), epilogue: b.acts[2] ? [b.acts[2]] : [] });
  p.output(y);
  return p.run(residual && residual !== x ? [x, residual] : [x], outShape(b)).y;
}

function packShape(b: Block): number[] {
  return [b.e === 0 ? 0 : 1, b.c, expandChannels(b), b.oc, b.k, b.k, b.s, b.s, 1, 1, ...b.pads];
}

function mbconvParams(b: Block, residual: boolean, bandRows?: number): number[] {
  const hasExpand = b.e === 0 ? 0 : 1;
  const steps = b.acts.map((step, i) => (step && (i > 0 || hasExpand) ? 1 : 0));
  return [hasExpand, expandChannels(b), b.k, b.k, b.s, b.s, 1, 1, ...b.pads, hasExpand, 1, 1, residual ? 1 : 0, ...steps, ...(bandRows === undefined ? [] : [bandRows])];
}

function blockWeights(b: Block, w: Weights): Float32Array {
  const all = b.e === 0 ? [w.wd, w.wp] : [w.we, w.wd, w.wp];
  const weights = new Float32Array(all.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of all) {
    weights.set(part, offset);
    offset += part.length;
  }
  return weights;
}

interface FusedOptions {
  bandRows?: number;
  packed?: Float32Array;
  params?: number[];
  epilogue?: NativeUnaryStep[];
  out?: number[];
}

/** The fused layer; `packed` defaults to packWeights(kernel, ...). */
function runFused(b: Block, kernel: string, w: Weights, form: Form, x: Float32Array, residual: Float32Array | undefined, options: FusedOptions = {}) {
  const p = new ProgramBuilder();
  const xIn = p.as(form.x, p.bound('input', [b.n, b.h, b.w, b.c]));
  const resIn = residual ? (residual === x ? xIn : p.as(form.residual, p.bound('input', outShape(b)))) : -1;
  const packed = p.weight(options.packed ?? packWeights(kernel, packShape(b), blockWeights(b, w)));
  const biases = (b.e === 0 ? [w.bd, w.bp] : [w.be, w.bd, w.bp]).map((bias) => p.weight(bias));
  const out = options.out ?? outShape(b);
  const y = p.arena(form.y, out);
  const epilogue = options.epilogue ?? b.acts.filter((step, i): step is NativeUnaryStep => step !== undefined && (i > 0 || b.e !== 0));
  p.layers.push({ kernel, inputs: [xIn, packed, ...biases, ...(residual ? [resIn] : [])], outputs: [y], params: options.params ?? mbconvParams(b, !!residual, options.bandRows), epilogue });
  p.output(y);
  return p.run(residual && residual !== x ? [x, residual] : [x], out);
}

/** Bit-for-bit equality, reporting the first differing element. */
function expectBits(actual: Float32Array, expected: Float32Array, label: string) {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const at = a.findIndex((bits, i) => bits !== e[i]);
  expect(at, `${label}: first difference at ${at}: ${actual[at]} vs ${expected[at]} (seed ${SEED})`).toBe(-1);
}

const FORMS: Form[] = [
  { x: 'bfloat16', y: 'bfloat16', residual: 'bfloat16' },
  { x: 'float32', y: 'bfloat16', residual: 'float32' },
  { x: 'bfloat16', y: 'float32', residual: 'float32' },
];

describe('bf16_mbconv through the executor', () => {
  const { runnable, skipped } = variantsOf('bf16_mbconv');
  if (skipped.length) console.log(`[bf16-mbconv] skipped (not runnable here): ${skipped.join(', ')}`);
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('lists every variant, the scalar one last', () => {
    expect(runnable.at(-1)).toBe('bf16_mbconv_4x4c2__scalar');
    expect([...runnable, ...skipped].sort()).toEqual(['bf16_mbconv_14x32c2__avx512bf16', 'bf16_mbconv_32x32__amx', 'bf16_mbconv_4x4c2__scalar']);
  });

  CASES.forEach(([label, b], caseIndex) => {
    it(`${label}: every runnable variant, dtype form, band height and thread count equals the unfused bf16 layers`, () => {
      const random = rng(SEED + caseIndex);
      const w = weightsOf(b, random);
      const x = randomFloats(b.n * b.h * b.w * b.c, random, -2, 2);
      // The residual of a real block is its input; any tensor of the output's shape is allowed.
      const sameShape = b.s === 1 && b.c === b.oc && b.pads.every((pad) => pad === (b.k - 1) / 2);
      const residual = b.residual ? (sameShape ? x : randomFloats(count(outShape(b)), random, -1, 1)) : undefined;
      // Run on one thread (whole-image bands) before each checked run: other values in the scratch
      // buffers, so a row the checked run forgot to write cannot pass with an earlier run's data.
      const other = randomFloats(x.length, random, -2, 2);
      const otherResidual = residual && (sameShape ? other : randomFloats(residual.length, random, -1, 1));
      for (const variant of runnable) {
        FORMS.forEach((form, formIndex) => {
          // The scalar reference is slow: one form and band height there.
          if (variant.endsWith('__scalar') && formIndex > 0) return;
          const expected = runChain(variant, b, w, form, x, residual);
          for (const threads of [1, 2]) {
            setThreads(threads);
            for (const bandRows of variant.endsWith('__scalar') ? [undefined, 2] : [undefined, 1, 3, 5]) {
              setThreads(1);
              runFused(b, variant, w, form, other, otherResidual);
              setThreads(threads);
              const { y, tactics } = runFused(b, variant, w, form, x, residual, { bandRows });
              expect(tactics).toContain(variant);
              expectBits(y, expected, `bf16 MBConv ${label} ${variant} x ${form.x} y ${form.y} threads=${threads} bandRows=${bandRows ?? 'auto'}`);
            }
          }
          setThreads(threadsBefore);
        });
      }
    });
  });

  it('is close to the fp32 block (f32_mbconv) on the scalar reference', () => {
    const b = CASES[0]![1];
    const random = rng(SEED + 91);
    const w = weightsOf(b, random);
    const x = randomFloats(b.n * b.h * b.w * b.c, random, -2, 2);
    const form: Form = { x: 'float32', y: 'float32', residual: 'float32' };
    const { y } = runFused(b, 'bf16_mbconv_4x4c2__scalar', w, form, x, x);
    const p = new ProgramBuilder();
    const xIn = p.bound('input', [b.n, b.h, b.w, b.c]);
    const packed = p.weight(packWeights('f32_mbconv_4x4__scalar', packShape(b), blockWeights(b, w)));
    const out = p.arena('float32', outShape(b));
    p.layers.push({ kernel: 'f32_mbconv_4x4__scalar', inputs: [xIn, packed, p.weight(w.be), p.weight(w.bd), p.weight(w.bp), xIn], outputs: [out], params: mbconvParams(b, true), epilogue: [RELU6, RELU6] });
    p.output(out);
    const fp32 = p.run([x], outShape(b)).y;
    expectClose(y, fp32, 'bf16 vs fp32 block', 3e-2, 3e-2);
  });

  it('the family alias bf16_mbconv resolves to the first runnable variant', () => {
    const b = CASES[0]![1];
    const random = rng(SEED + 77);
    const w = weightsOf(b, random);
    const x = randomFloats(b.n * b.h * b.w * b.c, random, -1, 1);
    const form = FORMS[0]!;
    const { y, tactics } = runFused(b, 'bf16_mbconv', w, form, x, x);
    expect(tactics).toContain(runnable[0]);
    expectBits(y, runChain(runnable[0]!, b, w, form, x, x), 'bf16 MBConv alias');
  });

  it('rejects a wrong packed length, output shape, epilogue, params or dtype', () => {
    const b = CASES[0]![1];
    const w = weightsOf(b, rng(78));
    const x = new Float32Array(b.n * b.h * b.w * b.c);
    const kernel = 'bf16_mbconv_4x4c2__scalar';
    const form = FORMS[0]!;
    expectCoded(() => runFused(b, kernel, w, form, x, x, { packed: new Float32Array(64) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, form, x, x, { out: [1, 7, 7, 12] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, form, x, x, { epilogue: [RELU6] }), ['ERR_PROGRAM_INVALID']);
    const params = mbconvParams(b, true);
    expectCoded(() => runFused(b, kernel, w, form, x, x, { params: params.slice(0, 18) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, form, x, x, { params: params.map((v, i) => (i === 1 ? 36 : v)) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, form, x, x, { params: [...params, -1] }), ['ERR_PROGRAM_INVALID']);
    // f32_mbconv reads and writes float32 only.
    expectCoded(() => runFused(b, 'f32_mbconv_4x4__scalar', w, form, x, x, { packed: packWeights('f32_mbconv_4x4__scalar', packShape(b), blockWeights(b, w)) }), ['ERR_PROGRAM_INVALID']);
  });

  it('packWeights checks the block geometry and the weights length', () => {
    const shape = [1, 8, 24, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1];
    const length = 24 * 8 + 24 * 9 + 8 * 24;
    expect(packWeights('bf16_mbconv_4x4c2__scalar', shape, new Float32Array(length)).length % 16).toBe(0);
    expectCoded(() => packWeights('bf16_mbconv_4x4c2__scalar', shape, new Float32Array(length - 1)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('bf16_mbconv', shape.slice(0, 13), new Float32Array(length)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('bf16_mbconv', [0, 8, 24, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(24 * 9 + 8 * 24)), ['ERR_ARGUMENT']);
  });
});
