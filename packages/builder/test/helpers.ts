import fs from 'node:fs';
import path from 'node:path';
import type { Tensor } from '@kiln/onnx-tools';

/** ../shared beside the repository (or KILN_SHARED_DIR). */
export function sharedDir(): string {
  const fromEnv = process.env.KILN_SHARED_DIR;
  return fromEnv ?? path.resolve(__dirname, '../../../../shared');
}

export function sharedModel(name: string): string {
  return path.join(sharedDir(), 'models', `${name}.onnx`);
}

export const hasShared = fs.existsSync(path.join(sharedDir(), 'models'));

/** Seeded PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
