import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENTROPY_EPSILON, HISTOGRAM_BINS, NON_NEGATIVE_LEVELS, QUANTIZED_LEVELS, searchEntropyThreshold } from '../src/index.js';

const W = 1 / 2048;

function histogram(fill: (k: number) => number): Float64Array {
  return Float64Array.from({ length: HISTOGRAM_BINS }, (_, k) => fill(k));
}

/** A direct transcription of ENTROPY.md for one candidate, used as an independent oracle. */
function klOracle(h: Float64Array, i: number, levels = QUANTIZED_LEVELS): number {
  const total = h.reduce((a, b) => a + b, 0);
  const p = Array.from(h.subarray(0, i));
  p[i - 1] = (p[i - 1] as number) + h.subarray(i).reduce((a, b) => a + b, 0);
  const q = new Array<number>(i).fill(0);
  for (let j = 0; j < levels; j++) {
    const start = Math.floor((j * i) / levels);
    const end = Math.floor(((j + 1) * i) / levels);
    let mass = 0;
    let nonZero = 0;
    for (let k = start; k < end; k++) {
      mass += h[k] as number;
      if ((p[k] as number) > 0) nonZero++;
    }
    for (let k = start; k < end; k++) if ((p[k] as number) > 0) q[k] = mass / nonZero;
  }
  const qTotal = q.reduce((a, b) => a + b, 0);
  let kl = 0;
  for (let k = 0; k < i; k++) {
    const pk = (p[k] as number) / total;
    if (pk === 0) continue;
    const qk = ((q[k] as number) > 0 ? (q[k] as number) : ENTROPY_EPSILON) / qTotal;
    kl += pk * Math.log(pk / qk);
  }
  return kl;
}

describe('Entropy2 threshold search on fixed histograms', () => {
  it('uniform histogram: nothing is clipped, the threshold is the end of the range', () => {
    const result = searchEntropyThreshold(histogram(() => 5), W, 1);
    expect(result.bins).toBe(2048);
    expect(result.divergence).toBe(0);
    expect(result.threshold).toBe(1); // min(2048.5·w, absMax = 1)
    // Clipping costs: divergence grows as fewer bins are kept.
    expect(result.divergences[2047]).toBeGreaterThan(0);
    expect(result.divergences[1024]).toBeGreaterThan(result.divergences[2047] as number);
  });

  it('a far outlier is clipped: the threshold falls before it, right after the bulk', () => {
    // A half-normal bulk (σ = 100 bins, ~125 000 values) and one value in bin 2047.
    const h = histogram((k) => (k < 500 ? Math.round(1000 * Math.exp(-((k / 100) ** 2) / 2)) : k === 2047 ? 1 : 0));
    const result = searchEntropyThreshold(h, W, 1);
    expect(result.bins).toBeGreaterThanOrEqual(200);
    expect(result.bins).toBeLessThan(600);
    expect(result.bins).toBe(392); // pinned: ≈ 3.9σ of the bulk
    expect(result.threshold).toBe((result.bins + 0.5) * W);
    expect(result.threshold).toBeLessThan(0.2);
  });

  it('mass only in the first bins: the first candidate (128) is exact and wins the tie', () => {
    const h = histogram((k) => (k < 10 ? k + 1 : 0));
    const result = searchEntropyThreshold(h, W, 10 * W);
    expect(result.bins).toBe(128);
    expect(result.divergence).toBe(0);
    expect(result.threshold).toBe(10 * W); // 128.5·w clamped to the observed |x| max
  });

  it('ties keep the smallest i: one value per 16-bin block makes several candidates exact', () => {
    // Mass in bin 0 only: every candidate is exact (Q = P), so i = 128 is chosen.
    const h = histogram((k) => (k === 0 ? 100 : 0));
    const result = searchEntropyThreshold(h, W, W / 2);
    expect(result.bins).toBe(128);
    for (let i = 128; i <= 2048; i++) expect(result.divergences[i]).toBe(0);
  });

  it('an outlier-only tail bin is smoothed with epsilon (finite divergence)', () => {
    // Bulk in bins 0..199, an outlier in bin 2047: for i where bin i−1 is empty, P > 0 meets Q = 0.
    const h = histogram((k) => (k < 200 ? 50 : k === 2047 ? 3 : 0));
    const result = searchEntropyThreshold(h, W, 1);
    for (let i = 128; i <= 2048; i++) expect(Number.isFinite(result.divergences[i] as number)).toBe(true);
    const i = 1000; // level of bin 999 holds only empty bins besides the outliers
    expect(result.divergences[i]).toBeCloseTo(klOracle(h, i), 12);
  });

  it('matches the transcribed specification on a two-bump histogram at every candidate', () => {
    const h = histogram((k) => Math.round(1000 * Math.exp(-k / 60)) + (k > 900 && k < 920 ? 7 : 0));
    const result = searchEntropyThreshold(h, W, 1);
    for (const i of [128, 129, 200, 511, 901, 919, 1500, 2047, 2048]) expect(result.divergences[i]).toBeCloseTo(klOracle(h, i), 12);
  });

  it('256 levels (non-negative tensors): candidates start at 256 and match the specification', () => {
    const h = histogram((k) => Math.round(1000 * Math.exp(-k / 60)) + (k > 900 && k < 920 ? 7 : 0));
    const result = searchEntropyThreshold(h, W, 1, NON_NEGATIVE_LEVELS);
    expect(Number.isNaN(result.divergences[255] as number)).toBe(true);
    for (const i of [256, 257, 511, 901, 919, 1500, 2047, 2048]) expect(result.divergences[i]).toBeCloseTo(klOracle(h, i, 256), 12);
    expect(result.bins).toBeGreaterThanOrEqual(256);
    expect(result.divergence).toBe(Math.min(...Array.from(result.divergences.subarray(256))));
    // The half-normal bulk with a far outlier: still clipped right after the bulk, not where 128 levels clip.
    const bulk = histogram((k) => (k < 500 ? Math.round(1000 * Math.exp(-((k / 100) ** 2) / 2)) : k === 2047 ? 1 : 0));
    const fine = searchEntropyThreshold(bulk, W, 1, NON_NEGATIVE_LEVELS);
    expect(fine.bins).toBe(391); // pinned (392 with 128 levels)
    expect(fine.divergence).toBeCloseTo(klOracle(bulk, fine.bins, 256), 12);
  });

  it('empty and all-zero histograms give threshold 0', () => {
    expect(searchEntropyThreshold(new Float64Array(2048), W).threshold).toBe(0);
    expect(searchEntropyThreshold(histogram((k) => (k === 0 ? 5 : 0)), 0).threshold).toBe(0);
  });

  it('rejects too few bins, negative counts and bad level counts with ERR_CALIB_OPTIONS', () => {
    expect(() => searchEntropyThreshold(new Float64Array(100), W)).toThrow(expect.objectContaining({ code: 'ERR_CALIB_OPTIONS' }));
    expect(() => searchEntropyThreshold(histogram((k) => (k === 3 ? -1 : 1)), W)).toThrow(expect.objectContaining({ code: 'ERR_CALIB_OPTIONS' }));
    for (const levels of [0, 1, 128.5, Number.NaN]) expect(() => searchEntropyThreshold(histogram(() => 1), W, 1, levels)).toThrow(expect.objectContaining({ code: 'ERR_CALIB_OPTIONS' }));
    expect(() => searchEntropyThreshold(new Float64Array(200), W, 1, 256)).toThrow(expect.objectContaining({ code: 'ERR_CALIB_OPTIONS' }));
  });
});

describe('Entropy2 properties', () => {
  const counts = fc.array(fc.nat({ max: 1000 }), { minLength: HISTOGRAM_BINS, maxLength: HISTOGRAM_BINS }).filter((a) => a.some((c) => c > 0));

  it('the threshold lies in [min(128.5·w, absMax), absMax] and i in [128, 2048]', () => {
    fc.assert(
      fc.property(counts, fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (c, range) => {
        const w = range / 2048;
        const result = searchEntropyThreshold(c, w, range);
        expect(result.bins).toBeGreaterThanOrEqual(128);
        expect(result.bins).toBeLessThanOrEqual(2048);
        expect(result.threshold).toBeLessThanOrEqual(range);
        expect(result.threshold).toBeGreaterThanOrEqual(Math.min(128.5 * w, range));
      }),
      { seed: 8101, numRuns: 15 },
    );
  });

  it('scaling the data scales the threshold (same bins chosen, threshold ∝ bin width)', () => {
    fc.assert(
      fc.property(counts, fc.double({ min: 1e-3, max: 1e3, noNaN: true }), (c, factor) => {
        const a = searchEntropyThreshold(c, W, 1);
        const b = searchEntropyThreshold(c, W * factor, factor);
        expect(b.bins).toBe(a.bins);
        expect(b.threshold).toBeCloseTo(a.threshold * factor, 9);
        const larger = searchEntropyThreshold(c, W * factor * 2, factor * 2);
        expect(larger.threshold).toBeGreaterThanOrEqual(b.threshold);
      }),
      { seed: 8102, numRuns: 10 },
    );
  });
});
