import fs from 'node:fs';
import path from 'node:path';
import { readFlag, seededRandom } from '@kiln/common';
import { cpuFeatures, kernels } from '@kiln/core-native';
import type { Tensor } from '@kiln/onnx-tools';

/** Seeded PRNG (mulberry32). */
export const seeded = seededRandom;

/** ../shared beside the repository (or KILN_SHARED_DIR). */
export function sharedDir(): string {
  return readFlag('KILN_SHARED_DIR') ?? path.resolve(__dirname, '../../../../shared');
}

export function sharedModel(name: string): string {
  return path.join(sharedDir(), 'models', `${name}.onnx`);
}

export const hasShared = fs.existsSync(path.join(sharedDir(), 'models'));


export function randomFloat(dims: number[], seed: number, scale = 1): Tensor<'float32'> {
  const next = seeded(seed);
  const count = dims.reduce((a, b) => a * b, 1);
  return { type: 'float32', dims, data: Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale) };
}

/** Max |a-b| and whether every element is within atol + rtol·|b|; says where the worst one is. */
export function closeTo(actual: Tensor, expected: Tensor, atol: number, rtol: number): { ok: boolean; message: string } {
  if (actual.dims.join('x') !== expected.dims.join('x')) return { ok: false, message: `shape [${actual.dims}] vs expected [${expected.dims}]` };
  const a = actual.data as ArrayLike<number>;
  const b = expected.data as ArrayLike<number>;
  let worst = 0;
  let at = -1;
  let ok = true;
  for (let i = 0; i < b.length; i++) {
    const diff = Math.abs(Number(a[i]) - Number(b[i]));
    if (diff > worst) {
      worst = diff;
      at = i;
    }
    if (!(diff <= atol + rtol * Math.abs(Number(b[i])))) ok = false;
  }
  return { ok, message: `max|Δ| ${worst.toExponential(3)} at flat index ${at} (expected ${b[at]}, got ${a[at]}) atol ${atol} rtol ${rtol}` };
}

/** Cosine similarity of two equally long vectors (agreement of reduced-precision outputs with fp32). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * Whether this CPU (or KILN_MAX_ISA) runs a vector kernel of `family` (e.g. 'bf16_conv'). The
 * builder never picks reduced-precision scalar variants (they are oracles): without a vector one
 * a precision flag falls back to fp32 for that kind of layer.
 */
export function runsVector(family: string): boolean {
  return kernels().some((kernel) => kernel.family === family && kernel.runnable && kernel.isa !== 'scalar');
}

/**
 * Whether onnxruntime's u8 x s8 integer GEMM is exact here. Without VNNI (AVX2, AVX-512 without
 * VNNI) it sums pairs with vpmaddubsw, which saturates at 16 bits (onnxruntime issue #16105), so
 * its Q/DQ results are not an oracle on such CPUs; Kiln's own reference evaluator still is.
 */
export function ortInt8Exact(): boolean {
  const features = cpuFeatures();
  return features.avx512vnni || features.amxInt8;
}
