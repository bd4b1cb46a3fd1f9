import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AbsHistogram, HISTOGRAM_BINS } from '../src/index.js';

/** The histogram of all values binned directly at `range` (the rule in AbsHistogram's comment). */
function direct(values: number[], range: number): Float64Array {
  const counts = new Float64Array(HISTOGRAM_BINS);
  const width = range / HISTOGRAM_BINS;
  for (const v of values) {
    const a = Math.abs(v);
    const bin = a === 0 ? 0 : a === range ? HISTOGRAM_BINS - 1 : Math.min(Math.floor(a / width), HISTOGRAM_BINS - 1);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts;
}

describe('AbsHistogram', () => {
  it('the first non-zero batch sets the range to its max |x| exactly', () => {
    const h = new AbsHistogram();
    h.add(Float32Array.of(0, 0));
    expect(h.range).toBe(0);
    expect(h.counts[0]).toBe(2);
    h.add(Float32Array.of(-3, 1.5, 0.75));
    expect(h.range).toBe(3);
    expect(h.absMax).toBe(3);
    expect(h.counts[0]).toBe(2);
    expect(h.counts[2047]).toBe(1); // |−3| = range: the closed last bin
    expect(h.counts[1024]).toBe(1); // 1.5 = range/2
    expect(h.counts[512]).toBe(1);
    expect(h.countAtRange).toBe(1);
    expect(h.count).toBe(5);
  });

  it('doubles the range and merges bin pairs when a later batch exceeds it', () => {
    const h = new AbsHistogram();
    h.add(Float32Array.of(1, 0.5, 0.999));
    h.add(Float32Array.of(3.5)); // 1 → 2 → 4
    expect(h.range).toBe(4);
    expect(h.absMax).toBe(3.5);
    // 1 (was exactly the range) → bin 512 of [0, 4]; 0.999 → bin 511; 0.5 → 256; 3.5 → 1792.
    expect([...h.counts.entries()].filter(([, c]) => c > 0)).toEqual([[256, 1], [511, 1], [512, 1], [1792, 1]]);
    expect(h.countAtRange).toBe(0);
  });

  it('streaming equals binning every value at the final range (property)', () => {
    const batch = fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { maxLength: 40 });
    fc.assert(
      fc.property(fc.array(batch, { minLength: 1, maxLength: 6 }), (batches) => {
        const h = new AbsHistogram();
        for (const b of batches) h.add(Float32Array.from(b));
        const all = batches.flat().map((v) => Math.fround(v));
        const absMax = all.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        expect(h.absMax).toBe(absMax);
        expect(h.count).toBe(all.length);
        if (absMax === 0) return;
        expect(h.range).toBeGreaterThanOrEqual(absMax);
        expect(h.range).toBeLessThan(2 * absMax);
        expect([...h.counts]).toEqual([...direct(all, h.range)]);
      }),
      { seed: 8201, numRuns: 300 },
    );
  });
});
