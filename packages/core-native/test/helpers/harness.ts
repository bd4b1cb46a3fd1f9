// Test helpers: seeded randomness, one-layer programs, tolerant comparison with a located message.
import type { NativeDType, NativeLayer, NativeProgram, NativeTensor, NativeUnaryStep } from '../../src/index.js';
import { readFlag, seededRandom } from '@kiln/common';
import { createEngine, kernels } from '../../src/index.js';

export const SEED = readFlag('KILN_TEST_SEED') ?? Date.now() % 1_000_000;
console.log(`[core-native tests] seed ${SEED} — reproduce with KILN_TEST_SEED=${SEED} pnpm --filter @kiln/core-native test`);

/** mulberry32: small, fast, good enough for test data. */
export function rng(seed = SEED): () => number {
  return seededRandom(seed);
}

export function randomFloats(n: number, random: () => number, lo = -4, hi = 4): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}

export type Data = Float32Array | BigInt64Array | Int32Array | Uint8Array;

export function dtypeOf(data: Data): NativeDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  return 'bool';
}

export function allocate(dtype: NativeDType, n: number): Data {
  if (dtype === 'float32') return new Float32Array(n);
  if (dtype === 'int64') return new BigInt64Array(n);
  if (dtype === 'int32') return new Int32Array(n);
  return new Uint8Array(n);
}

export const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export interface LayerCase {
  kernel: string;
  inputs: Array<{ data: Data; shape: number[] }>;
  output: { dtype?: NativeDType; shape: number[] };
  params?: number[];
  epilogue?: NativeUnaryStep[];
}

/** Builds a one-layer program with every input bound, runs it synchronously, returns the output. */
export function runLayer(c: LayerCase): Data {
  const tensors: NativeTensor[] = c.inputs.map((input, slot) => ({
    dtype: dtypeOf(input.data),
    shape: input.shape,
    location: 'input',
    slot,
  }));
  const outputDtype = c.output.dtype ?? 'float32';
  tensors.push({ dtype: outputDtype, shape: c.output.shape, location: 'output', slot: 0 });
  const layer: NativeLayer = {
    kernel: c.kernel,
    inputs: c.inputs.map((_, i) => i),
    outputs: [c.inputs.length],
    params: c.params,
    epilogue: c.epilogue,
  };
  const program: NativeProgram = { arenaBytes: 0, tensors, layers: [layer] };
  const out = allocate(outputDtype, count(c.output.shape));
  createEngine(program).createContext().runSync(
    c.inputs.map((i) => i.data),
    [out],
  );
  return out;
}

/** Runnable non-scalar variants of a family, e.g. ['avx512', 'avx2']. */
export function fastIsas(family: string): string[] {
  return kernels()
    .filter((k) => k.name.startsWith(`${family}__`) && k.isa !== 'scalar' && k.runnable)
    .map((k) => k.isa);
}

export function allIsas(family: string): Array<{ isa: string; runnable: boolean }> {
  return kernels()
    .filter((k) => k.name.startsWith(`${family}__`) && k.isa !== 'scalar')
    .map((k) => ({ isa: k.isa, runnable: k.runnable }));
}

/** Throws with the first element outside |a - e| <= atol + rtol * |e| (NaN must match NaN). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, atol = 1e-5, rtol = 1e-5) {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) throw new Error(`${label}: NaN mismatch at ${i}: ${a} vs ${e}`);
      continue;
    }
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    if (excess > worstExcess || (excess > 0 && worst < 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const a = actual[worst] as number;
    const e = expected[worst] as number;
    throw new Error(`${label}: max|Δ| ${Math.abs(a - e).toExponential(2)} at [${worst}] (${a} vs ${e}) > atol ${atol} rtol ${rtol} (seed ${SEED})`);
  }
}

const bf16Bits = new Uint32Array(1);
const bf16Float = new Float32Array(bf16Bits.buffer);

/** float_to_bf16 (round to nearest even, a NaN kept quiet) of one value, widened back to fp32. */
export function roundBf16Value(x: number): number {
  bf16Float[0] = x;
  const b = bf16Bits[0]!;
  const upper = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : ((b + 0x7fff + ((b >>> 16) & 1)) >>> 0) >>> 16;
  bf16Bits[0] = (upper << 16) >>> 0;
  return bf16Float[0]!;
}

/** roundBf16Value of each value (a new array). */
export function roundBf16(values: Float32Array): Float32Array {
  return values.map(roundBf16Value);
}
