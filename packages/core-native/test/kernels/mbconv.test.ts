// f32_mbconv (fused inverted-residual block) through the executor: every runnable variant, at
// automatic and forced band heights, on 1 and 2 threads, against the unfused chain of three
// reference convolutions (f32_conv_direct__scalar) run as one program; bad layers are rejected.
import { afterAll, describe, expect, it } from 'vitest';
import type { NativeProgram, NativeTensor, NativeUnaryStep } from '../../src/index.js';
import { createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { expectCoded } from '../helpers/errors.js';
import { variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

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
  ['7x7 stride 1 residual', block({ h: 7, w: 7, c: 13, e: 37, oc: 13, residual: true })],
  ['13x13 stride 2 batch 2', block({ n: 2, h: 13, w: 13, c: 8, e: 40, oc: 17, s: 2 })],
  ['14x14 stride 1 residual batch 2, other activations', block({ n: 2, h: 14, w: 14, c: 24, e: 72, oc: 24, residual: true, acts: [{ op: 'HardSwish' }, { op: 'SiLU' }, { op: 'Relu' }] })],
  ['56x56 stride 2', block({ h: 56, w: 56, c: 8, e: 20, oc: 12, s: 2 })],
  ['56x56 stride 1 residual', block({ h: 56, w: 56, c: 12, e: 30, oc: 12, residual: true })],
  ['no expand 14x14 stride 1', block({ h: 14, w: 14, c: 19, e: 0, oc: 11, acts: [undefined, RELU6, undefined] })],
  ['no expand 13x13 stride 2 batch 2', block({ n: 2, h: 13, w: 13, c: 21, e: 0, oc: 5, s: 2, acts: [undefined, { op: 'LeakyRelu', alpha: 0.1 }, { op: 'Tanh' }] })],
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
  const scaled = (n: number, fanIn: number) => randomFloats(n, random, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  return {
    we: scaled(e * b.c, b.c), be: randomFloats(e, random, -0.5, 0.5),
    wd: scaled(e * b.k * b.k, b.k * b.k), bd: randomFloats(e, random, -0.5, 0.5),
    wp: scaled(b.oc * e, e), bp: randomFloats(b.oc, random, -0.5, 0.5),
  };
}

/** Builds a program: weights blobs 64-byte aligned, arena tensors laid out one after another. */
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
  arena(shape: number[]): number {
    this.tensors.push({ dtype: 'float32', shape, location: 'arena', offset: this.arenaBytes });
    this.arenaBytes += padTo16(count(shape)) * 4;
    return this.tensors.length - 1;
  }
  bound(location: 'input' | 'output', shape: number[]): number {
    this.tensors.push({ dtype: 'float32', shape, location, slot: this.slots[location]++ });
    return this.tensors.length - 1;
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

const REFERENCE = 'f32_conv_direct__scalar';
const convParams = (k: number, s: number, pads: number[], group: number, residual: boolean) => [k, k, s, s, 1, 1, ...pads, group, 1, residual ? 1 : 0];

/** The unfused chain: expand, depthwise and project as three reference conv layers. */
function runChain(b: Block, w: Weights, x: Float32Array, residual: Float32Array | undefined): Float32Array {
  const e = expandChannels(b);
  const p = new ProgramBuilder();
  const xIn = p.bound('input', [b.n, b.h, b.w, b.c]);
  const resIn = residual ? p.bound('input', outShape(b)) : -1;
  let current = xIn;
  if (b.e !== 0) {
    const expanded = p.arena([b.n, b.h, b.w, e]);
    const packed = p.weight(packWeights(REFERENCE, [e, b.c, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w.we));
    p.layers.push({ kernel: REFERENCE, inputs: [current, packed, p.weight(w.be)], outputs: [expanded], params: convParams(1, 1, [0, 0, 0, 0], 1, false), epilogue: b.acts[0] ? [b.acts[0]] : [] });
    current = expanded;
  }
  const [, oh, ow] = outShape(b);
  const depthwise = p.arena([b.n, oh!, ow!, e]);
  const dwPacked = p.weight(packWeights(REFERENCE, [e, e, b.k, b.k, b.s, b.s, 1, 1, ...b.pads, e], w.wd));
  p.layers.push({ kernel: REFERENCE, inputs: [current, dwPacked, p.weight(w.bd)], outputs: [depthwise], params: convParams(b.k, b.s, b.pads, e, false), epilogue: b.acts[1] ? [b.acts[1]] : [] });
  const y = p.bound('output', outShape(b));
  const projectPacked = p.weight(packWeights(REFERENCE, [b.oc, e, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1], w.wp));
  p.layers.push({ kernel: REFERENCE, inputs: [depthwise, projectPacked, p.weight(w.bp), ...(residual ? [resIn] : [])], outputs: [y], params: convParams(1, 1, [0, 0, 0, 0], 1, !!residual), epilogue: b.acts[2] ? [b.acts[2]] : [] });
  return p.run(residual ? [x, residual] : [x], outShape(b)).y;
}

function packShape(b: Block): number[] {
  return [b.e === 0 ? 0 : 1, b.c, expandChannels(b), b.oc, b.k, b.k, b.s, b.s, 1, 1, ...b.pads];
}

function mbconvParams(b: Block, residual: boolean, bandRows?: number): number[] {
  const hasExpand = b.e === 0 ? 0 : 1;
  const steps = b.acts.map((step, i) => (step && (i > 0 || hasExpand) ? 1 : 0));
  return [hasExpand, expandChannels(b), b.k, b.k, b.s, b.s, 1, 1, ...b.pads, hasExpand, 1, 1, residual ? 1 : 0, ...steps, ...(bandRows === undefined ? [] : [bandRows])];
}

/** The fused layer; `packed` defaults to packWeights(kernel, ...). */
function runFused(b: Block, kernel: string, w: Weights, x: Float32Array, residual: Float32Array | undefined, options: { bandRows?: number; packed?: Float32Array; params?: number[]; epilogue?: NativeUnaryStep[]; out?: number[] } = {}) {
  const p = new ProgramBuilder();
  const xIn = p.bound('input', [b.n, b.h, b.w, b.c]);
  const resIn = residual ? p.bound('input', outShape(b)) : -1;
  const all = b.e === 0 ? [w.wd, w.wp] : [w.we, w.wd, w.wp];
  const weights = new Float32Array(all.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of all) {
    weights.set(part, offset);
    offset += part.length;
  }
  const packed = p.weight(options.packed ?? packWeights(kernel, packShape(b), weights));
  const biases = (b.e === 0 ? [w.bd, w.bp] : [w.be, w.bd, w.bp]).map((bias) => p.weight(bias));
  const out = options.out ?? outShape(b);
  const y = p.bound('output', out);
  const epilogue = options.epilogue ?? b.acts.filter((step, i): step is NativeUnaryStep => step !== undefined && (i > 0 || b.e !== 0));
  p.layers.push({ kernel, inputs: [xIn, packed, ...biases, ...(residual ? [resIn] : [])], outputs: [y], params: options.params ?? mbconvParams(b, !!residual, options.bandRows), epilogue });
  return p.run(residual ? [x, residual] : [x], out);
}

describe('f32_mbconv through the executor', () => {
  const { runnable, skipped } = variantsOf('f32_mbconv');
  if (skipped.length) console.log(`[mbconv] skipped (not runnable here): ${skipped.join(', ')}`);
  const threadsBefore = getThreads();
  afterAll(() => setThreads(threadsBefore));

  it('lists every variant, the scalar one last', () => {
    expect(variantsOf('f32_mbconv').runnable.at(-1)).toBe('f32_mbconv_4x4__scalar');
    expect([...runnable, ...skipped].sort()).toEqual(['f32_mbconv_14x32__avx512', 'f32_mbconv_28x16__avx512', 'f32_mbconv_4x24__avx2', 'f32_mbconv_4x4__scalar', 'f32_mbconv_6x16__avx2', 'f32_mbconv_8x48__avx512']);
  });

  CASES.forEach(([label, b], caseIndex) => {
    it(`${label}: every runnable variant, band heights and thread counts match the unfused chain`, () => {
      const random = rng(5000 + caseIndex);
      const w = weightsOf(b, random);
      const x = randomFloats(b.n * b.h * b.w * b.c, random, -1, 1);
      // The residual of a real block is its input; any tensor of the output's shape is allowed.
      const residual = b.residual ? (b.s === 1 && b.c === b.oc && b.pads.every((pad) => pad === (b.k - 1) / 2) ? x : randomFloats(count(outShape(b)), random, -1, 1)) : undefined;
      const expected = runChain(b, w, x, residual);
      // Run on one thread (whole-image bands) before each checked run: other values in the scratch
      // buffers, so a row the checked run forgot to write cannot pass with an earlier run's data.
      const other = randomFloats(x.length, random, -1, 1);
      const otherResidual = residual && (residual === x ? other : randomFloats(residual.length, random, -1, 1));
      for (const threads of [1, 2]) {
        setThreads(threads);
        for (const variant of runnable) {
          for (const bandRows of [undefined, 1, 3]) {
            setThreads(1);
            runFused(b, variant, w, other, otherResidual);
            setThreads(threads);
            const { y, tactics } = runFused(b, variant, w, x, residual, { bandRows });
            expect(tactics).toEqual([variant]);
            expectClose(y, expected, `MBConv ${label} ${variant} threads=${threads} bandRows=${bandRows ?? 'auto'}`, 3e-4, 3e-4);
          }
        }
      }
      setThreads(threadsBefore);
    });
  });

  it('the family alias f32_mbconv resolves to the first runnable variant', () => {
    const b = CASES[0]![1];
    const random = rng(77);
    const w = weightsOf(b, random);
    const x = randomFloats(b.n * b.h * b.w * b.c, random, -1, 1);
    const { y, tactics } = runFused(b, 'f32_mbconv', w, x, x);
    expect(tactics).toEqual([runnable[0]]);
    expectClose(y, runChain(b, w, x, x), 'MBConv alias', 3e-4, 3e-4);
  });

  it('rejects a wrong packed length, output shape, epilogue or params', () => {
    const b = CASES[0]![1];
    const w = weightsOf(b, rng(78));
    const x = new Float32Array(b.n * b.h * b.w * b.c);
    const kernel = 'f32_mbconv_4x4__scalar';
    expectCoded(() => runFused(b, kernel, w, x, x, { packed: new Float32Array(64) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { out: [1, 7, 7, 12] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { epilogue: [RELU6] }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { epilogue: [RELU6, { op: 'Exp' }] }), ['ERR_PROGRAM_INVALID']);
    const params = mbconvParams(b, true);
    expectCoded(() => runFused(b, kernel, w, x, x, { params: params.slice(0, 18) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { params: params.map((v, i) => (i === 1 ? 36 : v)) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { params: params.map((v, i) => (i === 0 ? 2 : v)) }), ['ERR_PROGRAM_INVALID']);
    expectCoded(() => runFused(b, kernel, w, x, x, { params: [...params, -1] }), ['ERR_PROGRAM_INVALID']);
  });

  it('packWeights checks the block geometry and the weights length', () => {
    const shape = [1, 8, 24, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1];
    const length = 24 * 8 + 24 * 9 + 8 * 24;
    expect(packWeights('f32_mbconv_4x4__scalar', shape, new Float32Array(length)).length % 16).toBe(0);
    expectCoded(() => packWeights('f32_mbconv_4x4__scalar', shape, new Float32Array(length - 1)), ['ERR_ARGUMENT']);
    expectCoded(() => packWeights('f32_mbconv_4x4__scalar', shape.slice(0, 13), new Float32Array(length)), ['ERR_ARGUMENT']);
    // Without an expand conv E must equal C.
    expectCoded(() => packWeights('f32_mbconv', [0, 8, 24, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(24 * 9 + 8 * 24)), ['ERR_ARGUMENT']);
  });
});
