// Entropy2: TensorRT-style KL-divergence threshold search over an |x| histogram (see ENTROPY.md).
import { KilnError } from '@kiln/common';

/**
 * Quantized levels of the candidate distribution Q (int8: 0..127 on one side).
 *
 * @example
 * ```ts
 * import { QUANTIZED_LEVELS } from '@kiln/calib';
 * QUANTIZED_LEVELS; // 128
 * ```
 */
export const QUANTIZED_LEVELS = 128;

/**
 * Quantized levels of Q for a tensor that is never negative: Kiln's int8 engines quantize such a
 * tensor on [0, T] with all 256 uint8 levels (zero point 0), not on one half of int8's.
 *
 * @example
 * ```ts
 * import { NON_NEGATIVE_LEVELS } from '@kiln/calib';
 * NON_NEGATIVE_LEVELS; // 256
 * ```
 */
export const NON_NEGATIVE_LEVELS = 256;

/**
 * Count (a fraction of one value) that stands in for a zero in Q where P is positive.
 *
 * @example
 * ```ts
 * import { ENTROPY_EPSILON } from '@kiln/calib';
 * ENTROPY_EPSILON; // 1e-4
 * ```
 */
export const ENTROPY_EPSILON = 1e-4;

/**
 * What {@link searchEntropyThreshold} found.
 *
 * @example
 * ```ts
 * const { bins, threshold, divergences } = searchEntropyThreshold(counts, binWidth, absMax);
 * ```
 */
export interface EntropySearchResult {
  /** The chosen candidate `i`: the number of leading bins kept (levels ≤ i ≤ bins). */
  bins: number;
  /** `min((i + 0.5) · binWidth, absMax)`; 0 for an empty or all-zero histogram. */
  threshold: number;
  /** KL(P‖Q) of the chosen candidate. */
  divergence: number;
  /** KL(P‖Q) of every candidate, indexed by `i` (entries below the level count are NaN; +Infinity when Q is empty). */
  divergences: Float64Array;
}

/** The Entropy2 search, exactly as ENTROPY.md specifies it. */
export function searchEntropyThreshold(counts: ArrayLike<number>, binWidth: number, absMax = counts.length * binWidth, levels = QUANTIZED_LEVELS): EntropySearchResult {
  const n = counts.length;
  if (!Number.isInteger(levels) || levels < 2) {
    throw new KilnError('ERR_CALIB_OPTIONS', 'The number of quantized levels must be an integer ≥ 2', {
      where: 'searchEntropyThreshold(levels)',
      expected: `${QUANTIZED_LEVELS} (int8, one side) or ${NON_NEGATIVE_LEVELS} (uint8 on [0, T])`,
      found: String(levels),
    });
  }
  if (n < levels) {
    throw new KilnError('ERR_CALIB_OPTIONS', 'The histogram has fewer bins than quantized levels', {
      where: 'searchEntropyThreshold(counts)',
      expected: `at least ${levels} bins (Kiln histograms have 2048)`,
      found: `${n} bins`,
    });
  }
  if (!(binWidth >= 0) || !Number.isFinite(binWidth)) {
    throw new KilnError('ERR_CALIB_OPTIONS', 'The bin width must be a finite number ≥ 0', { where: 'searchEntropyThreshold(binWidth)', found: String(binWidth) });
  }
  const cumulative = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const c = counts[k] as number;
    if (!(c >= 0) || !Number.isFinite(c)) {
      throw new KilnError('ERR_CALIB_OPTIONS', 'Histogram counts must be finite and ≥ 0', { where: `searchEntropyThreshold(counts[${k}])`, found: String(c) });
    }
    cumulative[k + 1] = (cumulative[k] as number) + c;
  }
  const total = cumulative[n] as number;
  const divergences = new Float64Array(n + 1).fill(Number.NaN);
  if (total === 0 || binWidth === 0) return { bins: n, threshold: 0, divergence: 0, divergences };

  let best = -1;
  let bestDivergence = Number.POSITIVE_INFINITY;
  for (let i = levels; i <= n; i++) {
    const divergence = candidateDivergence(counts, cumulative, i, total, levels);
    divergences[i] = divergence;
    // Strictly smaller only: on ties the first (smallest) i stays.
    if (best < 0 || divergence < bestDivergence) {
      best = i;
      bestDivergence = divergence;
    }
  }
  return { bins: best, threshold: Math.min((best + 0.5) * binWidth, absMax), divergence: bestDivergence, divergences };
}

/** KL(P‖Q) when the first `i` bins are kept and the rest clipped into bin i−1. */
function candidateDivergence(counts: ArrayLike<number>, cumulative: Float64Array, i: number, total: number, levels: number): number {
  const kept = cumulative[i] as number;
  if (kept === 0) return Number.POSITIVE_INFINITY;
  const outliers = total - kept;
  let divergence = 0;
  for (let j = 0; j < levels; j++) {
    const start = Math.floor((j * i) / levels);
    const end = Math.floor(((j + 1) * i) / levels);
    const mass = (cumulative[end] as number) - (cumulative[start] as number);
    let nonZero = 0;
    for (let k = start; k < end; k++) if (pCount(counts, k, i, outliers) > 0) nonZero++;
    if (nonZero === 0) continue;
    // A level with no kept mass gives its P-positive bins ε of a count instead of zero.
    const qSmoothed = (mass > 0 ? mass / nonZero : ENTROPY_EPSILON) / kept;
    for (let k = start; k < end; k++) {
      const c = pCount(counts, k, i, outliers);
      if (c === 0) continue;
      const p = c / total;
      divergence += p * Math.log(p / qSmoothed);
    }
  }
  return divergence;
}

/** Unnormalized P: the histogram's first i bins with the outliers added to bin i−1. */
function pCount(counts: ArrayLike<number>, k: number, i: number, outliers: number): number {
  return k === i - 1 ? (counts[k] as number) + outliers : (counts[k] as number);
}
