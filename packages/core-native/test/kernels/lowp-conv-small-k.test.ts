// qu8_conv_1x1_smallk_64c4__avx512vnni (1x1 stride-1 convs with K <= 64, weights in registers,
// uint8 finish in registers) against the scalar reference qu8_conv_im2col_4x4c4__scalar, bit for
// bit: K from 2 to 64 (multiples of 4 and not), N below, at and above 16/32/64 and not a multiple
// of 16, zero points != 0, ReLU / Clip / no activation, fp32 and uint8 residuals, uint8 and fp32
// input, uint8 and fp32 output, stride 1 and 2, 1 and 2 threads, rows not a multiple of the
// kernel's 64-row blocks.
// A uint8 output is read back through an identity qu8 conv (fp32 out: injective, so equal
// outputs mean equal bytes). The scalar path dequantizes a uint8 residual with one more rounding
// (see lowp-gemm's tests): there the new kernel must match the fused VNNI GEMM tile bit for bit
// and the scalar reference within one step.
import { afterAll, describe, expect, it } from 'vitest';
import { type NativeProgram, type NativeTensor, createEngine, getThreads, packWeights, setThreads } from '../../src/index.js';
import { variantsOf } from '../helpers/fused.js';
import { randomFloats, rng } from '../helpers/harness.js';

const SMALL_K = 'qu8_conv_1x1_smallk_64c4__avx512vnni';
const SCALAR = 'qu8_conv_im2col_4x4c4__scalar';
const VNNI = 'qu8_conv_1x1_14x32c4__avx512vnni';
const C0 = 8; // channels of the fp32 tensor the uint8 inputs are made from
const GRID_A = { scale: 0.031, zeroPoint: 117 };
const GRID_Y = { scale: 0.027, zeroPoint: 61 };
const GRID_R = { scale: 0.019, zeroPoint: 9 };
type Grid = typeof GRID_A;
type Activation = 'none' | 'Relu' | 'Clip' | 'Sigmoid' | 'Gelu';

interface Case {
  h: number;
  w: number;
  k: number;
  n: number;
  activation: Activation;
  residual: 'none' | 'float32' | 'uint8';
  input: 'float32' | 'uint8';
  output: 'float32' | 'uint8';
  threads: number;
  stride: number;
}

const random = rng(4242);

/** Conv params (13 + output grid + residual grid) as the executor takes them. */
function convParams(hasBias: boolean, hasResidual: boolean, out?: Grid, residual?: Grid, stride = 1): number[] {
  return [1, 1, stride, stride, 1, 1, 0, 0, 0, 0, 1, hasBias ? 1 : 0, hasResidual ? 1 : 0, ...(out ? [out.scale, out.zeroPoint] : []), ...(residual ? [residual.scale, residual.zeroPoint] : [])];
}

const packShape = (n: number, k: number, stride = 1) => [n, k, 1, 1, stride, stride, 1, 1, 0, 0, 0, 0, 1];
const outDims = (c: Case): [number, number] => [Math.floor((c.h - 1) / c.stride) + 1, Math.floor((c.w - 1) / c.stride) + 1];

/** The data of one case, shared by every variant it runs on. */
function caseData(c: Case) {
  const rows = c.h * c.w;
  const [oh, ow] = outDims(c);
  return {
    source: randomFloats(rows * C0, random, -3, 3),
    toA: randomFloats(c.k * C0, random, -0.5, 0.5),
    toR: randomFloats(c.n * C0, random, -0.5, 0.5),
    a: randomFloats(rows * c.k, random, -4, 4),
    weights: randomFloats(c.n * c.k, random, -0.4, 0.4),
    bias: randomFloats(c.n, random, -1, 1),
    residual: randomFloats(oh * ow * c.n, random, -2, 2),
  };
}

/** Runs the case with `tactic` as the layer under test; returns the fp32 output (read back through an identity conv when uint8). */
function runCase(c: Case, data: ReturnType<typeof caseData>, tactic: string): Float32Array {
  const [oh, ow] = outDims(c);
  const rows = oh * ow;
  const tensors: NativeTensor[] = [];
  const layers: NativeProgram['layers'] = [];
  const blobs: Float32Array[] = [];
  let weightFloats = 0;
  let arena = 0;
  const inputs: Float32Array[] = [];
  const add = (tensor: NativeTensor) => tensors.push(tensor) - 1;
  const weight = (values: Float32Array) => {
    const at = add({ dtype: 'float32', shape: [values.length], location: 'weights', offset: weightFloats * 4 });
    blobs.push(values);
    weightFloats += Math.ceil(values.length / 16) * 16;
    return at;
  };
  const input = (values: Float32Array, channels: number, dims: [number, number] = [c.h, c.w]) => {
    inputs.push(values);
    return add({ dtype: 'float32', shape: [1, ...dims, channels], location: 'input', slot: inputs.length - 1 });
  };
  const arenaU8 = (channels: number, dims: [number, number]) => {
    const at = add({ dtype: 'uint8', shape: [1, ...dims, channels], location: 'arena', offset: arena });
    arena += Math.ceil((dims[0] * dims[1] * channels) / 64) * 64;
    return at;
  };
  /** A scalar qu8 conv from the fp32 source onto a uint8 grid (no activation: values saturate at both ends). */
  const makeU8 = (weights: Float32Array, channels: number, grid: Grid, stride: number) => {
    const source = input(data.source, C0);
    const packed = weight(packWeights(SCALAR, packShape(channels, C0, stride), weights, { inputScale: 0.05, inputZeroPoint: 128 }));
    const out = arenaU8(channels, stride === 1 ? [c.h, c.w] : [oh, ow]);
    layers.push({ kernel: SCALAR, inputs: [source, packed], outputs: [out], params: convParams(false, false, grid, undefined, stride) });
    return out;
  };
  const x = c.input === 'uint8' ? makeU8(data.toA, c.k, GRID_A, 1) : input(data.a, c.k);
  const residual = c.residual === 'uint8' ? makeU8(data.toR, c.n, GRID_R, c.stride) : c.residual === 'float32' ? input(data.residual, c.n, [oh, ow]) : undefined;
  const packed = weight(packWeights(tactic, packShape(c.n, c.k, c.stride), data.weights, { inputScale: GRID_A.scale, inputZeroPoint: GRID_A.zeroPoint }));
  const bias = weight(data.bias);
  const epilogue: NativeProgram['layers'][number]['epilogue'] =
    c.activation === 'none' ? undefined : c.activation === 'Clip' ? [{ op: 'Clip', alpha: -0.7, beta: 2.5 }] : [{ op: c.activation }];
  const yShape = [1, oh, ow, c.n];
  const y = c.output === 'uint8' ? arenaU8(c.n, [oh, ow]) : add({ dtype: 'float32', shape: yShape, location: 'output', slot: 0 });
  layers.push({
    kernel: tactic,
    inputs: [x, packed, bias, ...(residual === undefined ? [] : [residual])],
    outputs: [y],
    params: convParams(true, residual !== undefined, c.output === 'uint8' ? GRID_Y : undefined, c.residual === 'uint8' ? GRID_R : undefined, c.stride),
    ...(epilogue ? { epilogue } : {}),
  });
  if (c.output === 'uint8') {
    const identity = new Float32Array(c.n * c.n);
    for (let i = 0; i < c.n; i++) identity[i * c.n + i] = 1;
    const readPacked = weight(packWeights(SCALAR, packShape(c.n, c.n), identity, { inputScale: GRID_Y.scale, inputZeroPoint: GRID_Y.zeroPoint }));
    const out = add({ dtype: 'float32', shape: yShape, location: 'output', slot: 0 });
    layers.push({ kernel: SCALAR, inputs: [y, readPacked], outputs: [out], params: convParams(false, false) });
  }
  const weights = new Float32Array(weightFloats);
  let at = 0;
  for (const blob of blobs) {
    weights.set(blob, at);
    at += Math.ceil(blob.length / 16) * 16;
  }
  const out = new Float32Array(rows * c.n);
  setThreads(c.threads);
  createEngine({ arenaBytes: arena, tensors, layers }, weights).createContext().runSync(inputs, [out]);
  return out;
}

/** Largest |a - b|, and where. */
function worst(a: Float32Array, b: Float32Array): { diff: number; at: number } {
  let diff = 0;
  let at = -1;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > diff || Number.isNaN(d)) [diff, at] = [Number.isNaN(d) ? Number.POSITIVE_INFINITY : d, i];
  }
  return { diff, at };
}

const KS = [2, 3, 4, 5, 7, 8, 12, 13, 16, 20, 24, 27, 31, 32, 40, 48, 61, 64];
const NS = [1, 2, 5, 16, 24, 33, 64, 96, 100];
// Sigmoid and Gelu take f32-gemm's AVX-512 approximations in registers (the scalar reference
// calls std::exp and std::erf): within a few float ulps of the reference, the same bits as the
// VNNI GEMM tiles, which finish them the same way.
const ACTIVATIONS: Activation[] = ['none', 'Relu', 'Clip', 'Sigmoid', 'Gelu'];
const RESIDUALS: Case['residual'][] = ['none', 'float32', 'uint8'];

function cases(): Case[] {
  const out: Case[] = [];
  let i = 0;
  for (const k of KS) {
    for (const n of NS) {
      out.push({
        h: i % 5 === 0 ? 1 : 9,
        w: i % 5 === 0 ? 1 : 15, // 135 rows: two whole 64-row blocks and a partial one
        k,
        n,
        activation: ACTIVATIONS[i % ACTIVATIONS.length]!,
        residual: RESIDUALS[Math.floor(i / 3) % 3]!,
        input: i % 2 === 0 ? 'uint8' : 'float32',
        // A uint8 output is read back through a conv, which needs 2 channels at least.
        output: Math.floor(i / 2) % 2 === 0 && n > 1 ? 'uint8' : 'float32',
        threads: Math.floor(i / 4) % 2 === 0 ? 1 : 2,
        stride: i % 7 === 3 ? 2 : 1,
      });
      i++;
    }
  }
  return out;
}

const runnable = variantsOf('qu8_conv').runnable;
const threadsBefore = getThreads();
afterAll(() => setThreads(threadsBefore));

describe.skipIf(!runnable.includes(SMALL_K))(`${SMALL_K} against the scalar reference`, () => {
  it('is listed, and applies to 1x1 unpadded convs with K <= 64 only', () => {
    expect(variantsOf('qu8_conv').runnable).toContain(SMALL_K);
    const pack = (shape: number[]) => () => packWeights(SMALL_K, shape, new Float32Array(shape[0]! * shape[1]! * shape[2]! * shape[3]!), { inputScale: 0.1, inputZeroPoint: 0 });
    expect(pack(packShape(16, 64))).not.toThrow();
    expect(pack(packShape(16, 65))).toThrow(/does not apply/);
    expect(pack([16, 16, 1, 1, 2, 2, 1, 1, 0, 0, 0, 0, 1])).not.toThrow();
    expect(pack([16, 16, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(/does not apply/);
    expect(pack([16, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1])).toThrow(/does not apply/);
  });

  for (const c of cases()) {
    const label = `K=${c.k} N=${c.n} ${c.h}x${c.w} stride ${c.stride} ${c.activation} residual=${c.residual} in=${c.input} out=${c.output} threads=${c.threads}`;
    it(label, () => {
      const data = caseData(c);
      const got = runCase(c, data, SMALL_K);
      const want = runCase(c, data, SCALAR);
      const off = worst(got, want);
      const approximated = c.activation === 'Sigmoid' || c.activation === 'Gelu';
      if (approximated) {
        // fp32: a few ulps of values below 2^4; uint8: at most one step where a value sits on a rounding boundary.
        const step = c.output === 'uint8' ? GRID_Y.scale * 1.001 : 2e-5;
        expect(off.diff, `${SMALL_K} vs ${SCALAR} ${label}: max|Δ| ${off.diff} at ${off.at} > ${step}`).toBeLessThanOrEqual(step);
      } else if (c.residual !== 'uint8') {
        expect(off.diff, `${SMALL_K} vs ${SCALAR} ${label}: max|Δ| ${off.diff} at ${off.at}`).toBe(0);
        return;
      } else {
        const step = c.output === 'uint8' ? GRID_Y.scale * 1.001 : GRID_R.scale * 1e-3;
        expect(off.diff, `${SMALL_K} vs ${SCALAR} ${label}: max|Δ| ${off.diff} at ${off.at} > ${step}`).toBeLessThanOrEqual(step);
      }
      if (!runnable.includes(VNNI)) return;
      const tile = worst(got, runCase(c, data, VNNI));
      expect(tile.diff, `${SMALL_K} vs ${VNNI} ${label}: max|Δ| ${tile.diff} at ${tile.at}`).toBe(0);
    });
  }
});
