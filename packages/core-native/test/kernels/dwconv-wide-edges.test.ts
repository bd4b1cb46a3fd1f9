// Depthwise 5x5 and 7x7 rows at their edges: widths 1..20 (every register-block size of the
// blocked rows, one-block rows, blocks reaching into the padding), stride 1 and 2, symmetric,
// zero and asymmetric pads, channel counts below, at and past the vector widths, residual and the
// fused activations. Every f32_dwconv variant that takes the shape matches the plain JS reference,
// and the AVX2 and AVX-512 rows agree bit for bit (per lane, the same FMAs in the same order from
// the bias), so each block size and edge form of either is checked against the other.
import { describe, expect, it } from 'vitest';
import { packWeights } from '../../src/index.js';
import { type ConvCase, convReference, outSize, runPacked, variantsOf } from '../helpers/fused.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

const CHANNELS = [1, 5, 8, 16, 19, 33];
const EPILOGUES = [undefined, { op: 'Relu' as const }, { op: 'Clip' as const, alpha: 0, beta: 6 }, { op: 'Sigmoid' as const }];

function casesFor(k: number, stride: number, pads: [number, number, number, number]) {
  const cases: (ConvCase & { label: string; residual: boolean; epilogue: (typeof EPILOGUES)[number] })[] = [];
  for (let w = 1; w <= 20; w++) {
    const c = CHANNELS[w % CHANNELS.length]!;
    const h = k - 1 + (w % 4);
    if (outSize(h, k, stride, 1, pads[0], pads[2]) < 1 || outSize(w, k, stride, 1, pads[1], pads[3]) < 1) continue;
    cases.push({
      n: 1, h, w, c, oc: c, group: c, kh: k, kw: k, sh: stride, sw: stride, dh: 1, dw: 1, pads,
      label: `${k}x${k} ${h}x${w}x${c} s${stride} pads ${pads.join(',')}`, residual: w % 2 === 1, epilogue: EPILOGUES[w % EPILOGUES.length],
    });
  }
  return cases;
}

describe('f32_dwconv 5x5 and 7x7 rows at the edges', () => {
  const variants = variantsOf('f32_conv').runnable.filter((name) => name.startsWith('f32_dwconv__'));
  for (const k of [5, 7]) {
    const half = (k - 1) / 2;
    const padSets: [number, number, number, number][] = [[half, half, half, half], [0, 0, 0, 0], [0, half, half, 1]];
    for (const stride of [1, 2]) {
      for (const pads of padSets) {
        it(`${k}x${k} stride ${stride}, pads ${pads.join(',')}: every variant matches the reference, AVX2 = AVX-512 bit for bit`, () => {
          expect(variants).toContain('f32_dwconv__scalar');
          casesFor(k, stride, pads).forEach((c, index) => {
            const random = rng(9000 + k * 100 + stride * 10 + index);
            const x = randomFloats(c.h * c.w * c.c, random, -3, 3);
            const w = randomFloats(c.c * k * k, random, -0.7, 0.7);
            const bias = randomFloats(c.c, random, -0.5, 0.5);
            const outShape = [1, outSize(c.h, k, stride, 1, pads[0], pads[2]), outSize(c.w, k, stride, 1, pads[1], pads[3]), c.c];
            const residual = randomFloats(outShape.reduce((a, b) => a * b, 1), random, -1, 1);
            const run = (kernel: string) => {
              const { y, tactic } = runPacked({
                kernel, x: { data: x, shape: [1, c.h, c.w, c.c] }, packed: packWeights(kernel, [c.c, c.c, k, k, stride, stride, 1, 1, ...pads, c.c], w), bias,
                residual: c.residual ? residual : undefined, outShape,
                params: [k, k, stride, stride, 1, 1, ...pads, c.c, 1, c.residual ? 1 : 0], epilogue: c.epilogue ? [c.epilogue] : [],
              });
              expect(tactic).toBe(kernel);
              return y;
            };
            const want = convReference(c, x, w, bias, c.residual ? residual : undefined, c.epilogue);
            const label = `${c.label} residual=${c.residual} ${c.epilogue?.op ?? 'none'}`;
            for (const kernel of variants) expectClose(run(kernel), want, `${kernel} ${label}`, 2e-4, 2e-4);
            if (variants.includes('f32_dwconv__avx2') && variants.includes('f32_dwconv__avx512') && c.epilogue?.op !== 'Sigmoid') {
              expectClose(run('f32_dwconv__avx2'), run('f32_dwconv__avx512'), `AVX2 vs AVX-512 ${label}`, 0, 0);
            }
          });
        });
      }
    }
  }
});
