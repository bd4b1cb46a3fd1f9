// Conv/MatMul reference ops: im2col + GEMM against a direct loop on odd sizes, plus a throughput
// print for a mobilenet_v2-sized layer (not asserted: the machine is shared).
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/tensor.js';
import type { AttributeValue } from '../src/internal/attribute.js';
import type { OpContext } from '../src/internal/ops/contract.js';
import { findOp } from '../src/internal/ops/registry.js';

function context(opType: string): OpContext {
  return { opType, nodeName: 'test', opset: 17, outputCount: 1, runGraph: () => [] };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function tensor(dims: number[], random: () => number): Tensor<'float32'> {
  return { type: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, random) };
}

function directConv(x: Tensor<'float32'>, w: Tensor<'float32'>, stride: number, pad: number, group: number): Float32Array {
  const [N, C, H, W] = x.dims as number[] as [number, number, number, number];
  const [M, Cg, KH, KW] = w.dims as number[] as [number, number, number, number];
  const OH = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const OW = Math.floor((W + 2 * pad - KW) / stride) + 1;
  const out = new Float32Array(N * M * OH * OW);
  const Mg = M / group;
  for (let n = 0; n < N; n++)
    for (let m = 0; m < M; m++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let sum = 0;
          const g = Math.floor(m / Mg);
          for (let c = 0; c < Cg; c++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const ih = oh * stride - pad + kh;
                const iw = ow * stride - pad + kw;
                if (ih < 0 || iw < 0 || ih >= H || iw >= W) continue;
                sum += x.data[((n * C + g * Cg + c) * H + ih) * W + iw]! * w.data[((m * Cg + c) * KH + kh) * KW + kw]!;
              }
          out[((n * M + m) * OH + oh) * OW + ow] = sum;
        }
  return out;
}

function attributes(entries: Record<string, number[] | number>): Map<string, AttributeValue> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, Array.isArray(v) ? { type: 'ints', value: v } : { type: 'int', value: v }] as const));
}

describe('Conv reference op', () => {
  const conv = findOp('', 'Conv', 17)!;
  for (const [C, M, H, K, stride, pad, group] of [
    [3, 5, 7, 3, 1, 1, 1], [4, 6, 9, 3, 2, 1, 2], [6, 6, 11, 3, 1, 0, 6], [5, 7, 13, 1, 1, 0, 1], [2, 3, 5, 5, 2, 2, 1],
  ] as const) {
    it(`matches a direct loop: C${C} M${M} H${H} K${K} s${stride} p${pad} g${group}`, async () => {
      const random = seeded(C * 1000 + M * 100 + H);
      const x = tensor([2, C, H, H + 1], random);
      const w = tensor([M, C / group, K, K], random);
      const [y] = await conv.run([x, w], attributes({ strides: [stride, stride], pads: [pad, pad, pad, pad], group }), context('Conv'));
      const expected = directConv(x, w, stride, pad, group);
      const actual = y!.data as Float32Array;
      expect(actual.length).toBe(expected.length);
      let worst = 0;
      for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-4);
    });
  }

  it('runs a mobilenet_v2-sized 3x3 and 1x1 conv quickly (prints GFLOP/s)', async () => {
    const random = seeded(7);
    const cases = [
      { x: [1, 32, 112, 112], w: [32, 32, 3, 3], pads: [1, 1, 1, 1], group: 1 },
      { x: [1, 144, 56, 56], w: [24, 144, 1, 1], pads: [0, 0, 0, 0], group: 1 },
      { x: [1, 144, 56, 56], w: [144, 1, 3, 3], pads: [1, 1, 1, 1], group: 144 },
    ];
    for (const c of [...cases, ...cases]) {
      const x = tensor(c.x, random);
      const w = tensor(c.w, random);
      const flops = 2 * c.w[0]! * c.w[1]! * c.w[2]! * c.w[3]! * c.x[2]! * c.x[3]!;
      const start = performance.now();
      await conv.run([x, w], attributes({ pads: c.pads, group: c.group }), context('Conv'));
      const seconds = (performance.now() - start) / 1000;
      console.log(`Conv x[${c.x}] w[${c.w}] g${c.group}: ${(flops / 1e9).toFixed(3)} GFLOP in ${(seconds * 1000).toFixed(1)} ms = ${(flops / 1e9 / seconds).toFixed(2)} GFLOP/s`);
    }
  }, 60_000);
});
