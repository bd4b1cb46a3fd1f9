// Helpers for GEMM / conv layer tests: JS references (NHWC conv, matmul, fused activations) and a
// one-layer program runner whose packed weights and bias live in the engine's weights buffer.
import type { NativeProgram, NativeTensor, NativeUnaryStep } from '../../src/index.js';
import { createEngine, kernels } from '../../src/index.js';

export const ACTIVATIONS: NativeUnaryStep[] = [
  { op: 'Relu' },
  { op: 'Clip', alpha: -0.5, beta: 1.5 },
  { op: 'LeakyRelu', alpha: 0.1 },
  { op: 'Sigmoid' },
  { op: 'Tanh' },
  { op: 'SiLU' },
  { op: 'HardSwish' },
  { op: 'Gelu' },
  { op: 'GeluTanh' },
];

/** Abramowitz–Stegun 7.1.26 (|error| <= 1.5e-7). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-ax * ax);
  return sign * y;
}

export function activate(step: NativeUnaryStep | undefined, x: number): number {
  if (!step) return x;
  switch (step.op) {
    case 'Relu': return Math.max(0, x);
    case 'Clip': return Math.min(step.beta ?? Infinity, Math.max(step.alpha ?? -Infinity, x));
    case 'LeakyRelu': return x < 0 ? (step.alpha ?? 0.01) * x : x;
    case 'Sigmoid': return 1 / (1 + Math.exp(-x));
    case 'Tanh': return Math.tanh(x);
    case 'SiLU': return x / (1 + Math.exp(-x));
    case 'HardSwish': return (x * Math.min(6, Math.max(0, x + 3))) / 6;
    case 'Gelu': return 0.5 * x * (1 + erf(x / Math.SQRT2));
    case 'GeluTanh': return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    default: throw new Error(`no reference for ${step.op}`);
  }
}

export interface ConvCase {
  n: number; h: number; w: number; c: number; oc: number;
  kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pads: [number, number, number, number]; // top, left, bottom, right
  group: number;
}

export const outSize = (size: number, k: number, s: number, d: number, p0: number, p1: number) =>
  Math.floor((size + p0 + p1 - d * (k - 1) - 1) / s) + 1;

/** NHWC conv with ONNX OIHW weights, bias, residual and activation. */
export function convReference(c: ConvCase, x: Float32Array, w: Float32Array, bias?: Float32Array, residual?: Float32Array, step?: NativeUnaryStep): Float32Array {
  const oh = outSize(c.h, c.kh, c.sh, c.dh, c.pads[0], c.pads[2]);
  const ow = outSize(c.w, c.kw, c.sw, c.dw, c.pads[1], c.pads[3]);
  const cinG = c.c / c.group;
  const coutG = c.oc / c.group;
  const y = new Float32Array(c.n * oh * ow * c.oc);
  for (let n = 0; n < c.n; n++) for (let i = 0; i < oh; i++) for (let j = 0; j < ow; j++) for (let o = 0; o < c.oc; o++) {
    const g = Math.floor(o / coutG);
    let acc = bias ? bias[o]! : 0;
    for (let ci = 0; ci < cinG; ci++) for (let a = 0; a < c.kh; a++) for (let b = 0; b < c.kw; b++) {
      const ih = i * c.sh - c.pads[0] + a * c.dh;
      const iw = j * c.sw - c.pads[1] + b * c.dw;
      if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
      acc += x[((n * c.h + ih) * c.w + iw) * c.c + g * cinG + ci]! * w[((o * cinG + ci) * c.kh + a) * c.kw + b]!;
    }
    const at = ((n * oh + i) * ow + j) * c.oc + o;
    if (residual) acc += residual[at]!;
    y[at] = activate(step, acc);
  }
  return y;
}

/** Y[m, n] = act(A[m, :] · B[:, n] + bias + residual), B given as [K, N] or [N, K] (transB). */
export function gemmReference(m: number, k: number, n: number, a: Float32Array, b: Float32Array, transB: boolean, bias?: Float32Array, residual?: Float32Array, step?: NativeUnaryStep): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let acc = bias ? bias[j]! : 0;
    for (let p = 0; p < k; p++) acc += a[i * k + p]! * b[transB ? j * k + p : p * n + j]!;
    if (residual) acc += residual[i * n + j]!;
    y[i * n + j] = activate(step, acc);
  }
  return y;
}

/** Runnable variant names of a family in kernels() order, and the non-runnable ones. */
export function variantsOf(family: string): { runnable: string[]; skipped: string[] } {
  const all = kernels().filter((k) => k.family === family);
  return { runnable: all.filter((k) => k.runnable).map((k) => k.name), skipped: all.filter((k) => !k.runnable).map((k) => k.name) };
}

export interface PackedLayer {
  kernel: string;
  x: { data: Float32Array; shape: number[] };
  packed: Float32Array;
  bias?: Float32Array;
  residual?: Float32Array;
  outShape: number[];
  params: number[];
  epilogue?: NativeUnaryStep[];
}

/** One-layer program: x and residual bound as inputs, packed weights at weights offset 0, bias after it (64-aligned). */
export function packedProgram(l: PackedLayer): { program: NativeProgram; weights: Float32Array } {
  const biasOffset = Math.ceil((l.packed.length * 4) / 64) * 64;
  const weights = new Float32Array((biasOffset + (l.bias ? l.bias.length * 4 : 0)) / 4);
  weights.set(l.packed, 0);
  if (l.bias) weights.set(l.bias, biasOffset / 4);
  const tensors: NativeTensor[] = [
    { dtype: 'float32', shape: l.x.shape, location: 'input', slot: 0 },
    { dtype: 'float32', shape: [l.packed.length], location: 'weights', offset: 0 },
  ];
  if (l.bias) tensors.push({ dtype: 'float32', shape: [l.bias.length], location: 'weights', offset: biasOffset });
  if (l.residual) tensors.push({ dtype: 'float32', shape: l.outShape, location: 'input', slot: 1 });
  tensors.push({ dtype: 'float32', shape: l.outShape, location: 'output', slot: 0 });
  const inputs = [...Array(tensors.length - 1).keys()];
  return {
    program: { arenaBytes: 0, tensors, layers: [{ kernel: l.kernel, inputs, outputs: [tensors.length - 1], params: l.params, epilogue: l.epilogue }] },
    weights,
  };
}

export function runPacked(l: PackedLayer): { y: Float32Array; tactic: string } {
  const { program, weights } = packedProgram(l);
  const engine = createEngine(program, weights);
  const y = new Float32Array(l.outShape.reduce((a, b) => a * b, 1));
  engine.createContext().runSync(l.residual ? [l.x.data, l.residual] : [l.x.data], [y]);
  return { y, tactic: engine.describe().tactics[0]! };
}
