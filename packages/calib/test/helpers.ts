import fs from 'node:fs';
import { readFlag, seededRandom } from '@kiln/common';
import { GraphBuilder, type Model, type Tensor } from '@kiln/onnx-tools';

/** The test seed: KILN_TEST_SEED when set, else a fresh one; printed with how to repeat it. */
export function testSeed(file: string): number {
  const seed = readFlag('KILN_TEST_SEED') ?? Math.floor(Math.random() * 2 ** 31);
  console.log(`${file}: seed ${seed} (repeat: KILN_TEST_SEED=${seed} npx vitest run test/${file})`);
  return seed;
}

/** Seeded PRNG (mulberry32), uniform in [0, 1). */
export const seeded = seededRandom;

/** Standard normal samples from a uniform source (Box–Muller). */
export function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

export function floats(dims: number[], values: (i: number) => number): Tensor<'float32'> {
  const count = dims.reduce((a, b) => a * b, 1);
  return { type: 'float32', dims, data: Float32Array.from({ length: count }, (_, i) => values(i)) };
}

/**
 * A small conv net: Conv(3→8, 3x3, pad 1) → Relu → MaxPool 2x2 → Conv(8→8, 3x3, pad 1) → Add
 * (residual) → Relu → Flatten (128 features) → Gemm(128→10, transB) → output `gemm_out0`.
 */
export function convNet(seed: number, opset = 13): Model {
  const next = seeded(seed);
  const normal = gaussian(next);
  const g = new GraphBuilder('convnet');
  const x = g.input('x', 'float32', ['N', 3, 8, 8]);
  const w1 = g.constant(floats([8, 3, 3, 3], () => normal() * 0.3), 'w1');
  const b1 = g.constant(floats([8], () => normal() * 0.1), 'b1');
  const c1 = g.conv(x, w1, b1, { pads: [1, 1, 1, 1], kernel_shape: [3, 3] });
  const r1 = g.relu(c1);
  const p1 = g.maxPool(r1, { kernel_shape: [2, 2], strides: [2, 2] });
  const w2 = g.constant(floats([8, 8, 3, 3], () => normal() * 0.15), 'w2');
  const c2 = g.conv(p1, w2, undefined, { pads: [1, 1, 1, 1], kernel_shape: [3, 3] });
  const sum = g.add(c2, p1);
  const r2 = g.relu(sum);
  const flat = g.flatten(r2, 1);
  const w3 = g.constant(floats([10, 128], () => normal() * 0.15), 'w3');
  const b3 = g.constant(floats([10], () => normal() * 0.1), 'b3');
  const logits = g.gemm(flat, w3, b3, { transB: 1 });
  g.output(logits, 'float32');
  return g.toModel({ opset });
}

/** Structured images: per-channel gradients, stripes and blobs with seeded noise. */
export function images(seed: number, count: number, batchSize: number): Record<string, Tensor>[] {
  const next = seeded(seed);
  const normal = gaussian(next);
  const batches: Record<string, Tensor>[] = [];
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const data = new Float32Array(n * 3 * 64);
    for (let b = 0; b < n; b++) {
      const kind = (start + b) % 3;
      const phase = next() * Math.PI * 2;
      const amplitude = 0.5 + next();
      for (let c = 0; c < 3; c++) {
        for (let y = 0; y < 8; y++) {
          for (let x = 0; x < 8; x++) {
            const base = kind === 0 ? (x + y * (c + 1)) / 16 : kind === 1 ? Math.sin(phase + x * (c + 1) * 0.8) : Math.exp(-((x - 3.5) ** 2 + (y - 3.5) ** 2) / (4 + c));
            data[((b * 3 + c) * 8 + y) * 8 + x] = amplitude * base + 0.05 * normal();
          }
        }
      }
    }
    batches.push({ x: { type: 'float32', dims: [n, 3, 8, 8], data } });
  }
  return batches;
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

/**
 * Whether onnxruntime's u8 x s8 integer GEMM is exact on this CPU (Linux: read from /proc/cpuinfo).
 * Without VNNI or AMX it sums pairs with vpmaddubsw, which saturates at 16 bits (onnxruntime issue
 * #16105): its Q/DQ results then depend on the data and are no oracle.
 */
export function ortInt8Exact(): boolean {
  try {
    return /\b(avx512_vnni|avx_vnni|amx_int8)\b/.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}
