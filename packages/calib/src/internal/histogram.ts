// The |x| histogram behind Entropy2 and Percentile calibration.

/**
 * Number of bins of every activation histogram (as TensorRT's entropy calibration uses).
 *
 * @example
 * ```ts
 * import { HISTOGRAM_BINS } from '@kiln/calib';
 * HISTOGRAM_BINS; // 2048
 * ```
 */
export const HISTOGRAM_BINS = 2048;

/**
 * A histogram of |x| with {@link HISTOGRAM_BINS} equal bins over `[0, range]`, built in one
 * pass over batches whose overall maximum is not known in advance.
 *
 * Binning rule. With `w = range / 2048`, a value goes to bin `min(floor(|x| / w), 2047)`; the
 * last bin is closed (`|x| = range` lands in bin 2047), every other bin `k` is `[k·w, (k+1)·w)`.
 *
 * Range rule. `range` starts at 0; while it is 0 every value is 0 and is counted in bin 0 (bin 0
 * holds zeros whatever the range becomes). The first batch with a non-zero value sets `range`
 * to that batch's max |x| exactly. When a later batch's max |x| exceeds `range`, the range is
 * doubled (repeatedly, until it covers the batch) and each doubling merges bin pairs:
 * new bin `j` = old bins `2j` and `2j+1` for `j < 1024`, bins 1024..2047 become empty, except
 * that the values exactly equal to the old range (counted apart, see `countAtRange`) move to new
 * bin 1024, which is where `floor(range_old / (2w))` puts them. Doubling is exact in binary
 * floating point, so the streamed histogram is bit-for-bit the histogram of all the values
 * binned directly at the final range; the final range is below twice the overall max |x|, so
 * the data always spans at least the lower half of the bins. Exact zeros are counted in bin 0
 * and also in `zeroCount` (Entropy2 leaves them out, see ENTROPY.md).
 *
 * @example
 * ```ts
 * import { AbsHistogram } from '@kiln/calib';
 * const h = new AbsHistogram();
 * h.add(Float32Array.of(-3, 1.5, 0));
 * h.add(Float32Array.of(5)); // range 3 → 6: bins merge pairwise
 * console.log(h.range, h.absMax, h.counts[1024]); // 6 5 1 (the 3 moved to bin 1024)
 * ```
 */
export class AbsHistogram {
  /** Counts per bin (float64, exact up to 2^53 values). */
  readonly counts = new Float64Array(HISTOGRAM_BINS);
  private rangeValue = 0;
  private atRange = 0;
  private maximum = 0;
  private total = 0;
  private zeros = 0;

  /** Upper end of the histogram range (0 until a non-zero value is seen). */
  get range(): number {
    return this.rangeValue;
  }

  /** Width of one bin, `range / 2048`. */
  get binWidth(): number {
    return this.rangeValue / HISTOGRAM_BINS;
  }

  /** Largest |x| seen. */
  get absMax(): number {
    return this.maximum;
  }

  /** Number of values counted. */
  get count(): number {
    return this.total;
  }

  /** How many of the values counted (in bin 0) are exactly zero. */
  get zeroCount(): number {
    return this.zeros;
  }

  /** How many values counted in the last bin are exactly equal to `range`. */
  get countAtRange(): number {
    return this.atRange;
  }

  /** Count every element of `values` (finite numbers; the caller checks). */
  add(values: ArrayLike<number>): void {
    let batchMax = 0;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i] as number);
      if (a > batchMax) batchMax = a;
    }
    if (this.rangeValue === 0 && batchMax > 0) this.rangeValue = batchMax;
    while (batchMax > this.rangeValue) this.double();
    if (batchMax > this.maximum) this.maximum = batchMax;
    const counts = this.counts;
    const range = this.rangeValue;
    const width = range / HISTOGRAM_BINS;
    for (let i = 0; i < values.length; i++) {
      const a = Math.abs(values[i] as number);
      let bin = 0;
      if (a > 0 && a === range) {
        bin = HISTOGRAM_BINS - 1;
        this.atRange++;
      } else if (a > 0) bin = Math.min(Math.floor(a / width), HISTOGRAM_BINS - 1);
      else this.zeros++;
      counts[bin] = (counts[bin] as number) + 1;
    }
    this.total += values.length;
  }

  /** Double the range, merging bin pairs (see the class comment). */
  private double(): void {
    const counts = this.counts;
    const half = HISTOGRAM_BINS / 2;
    const lastWithoutTop = (counts[HISTOGRAM_BINS - 1] as number) - this.atRange;
    for (let j = 0; j < half - 1; j++) counts[j] = (counts[2 * j] as number) + (counts[2 * j + 1] as number);
    counts[half - 1] = (counts[HISTOGRAM_BINS - 2] as number) + lastWithoutTop;
    counts.fill(0, half);
    counts[half] = this.atRange;
    this.atRange = 0;
    this.rangeValue *= 2;
  }
}
