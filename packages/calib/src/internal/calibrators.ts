// Calibrators: from a tensor's statistics to its clipping threshold (amax) and int8 scale.
import { KilnError } from '@kiln/common';
import { NON_NEGATIVE_LEVELS, QUANTIZED_LEVELS, searchEntropyThreshold } from './entropy.js';
import type { TensorStatistics } from './statistics.js';

/**
 * Largest int8 magnitude used by symmetric quantization: scale = threshold / 127.
 *
 * @example
 * ```ts
 * import { INT8_MAX } from '@kiln/calib';
 * const scale = threshold / INT8_MAX;
 * ```
 */
export const INT8_MAX = 127;

/**
 * Scale written for an all-zero tensor (threshold 0): the smallest normal float32, 2^-126.
 *
 * @example
 * ```ts
 * import { MIN_SCALE, scaleFromThreshold } from '@kiln/calib';
 * scaleFromThreshold(0) === MIN_SCALE; // true
 * ```
 */
export const MIN_SCALE = 2 ** -126;

/**
 * What every calibrator provides.
 *
 * @example
 * ```ts
 * // A custom calibrator: clip at half the largest |x|.
 * const halfRange: Calibrator = { algorithm: 'HalfRangeCalibration', threshold: (s) => s.absMax / 2 };
 * const { scales } = await calibrate(model, { calibrator: halfRange, loader: batches() });
 * ```
 */
export interface Calibrator {
  /** The algorithm name written in the cache header, e.g. `EntropyCalibration2`. */
  readonly algorithm: string;
  /** The clipping threshold (amax) for one tensor's statistics. */
  threshold(statistics: TensorStatistics): number;
}

/** float32(threshold / 127), never below {@link MIN_SCALE}. */
export function scaleFromThreshold(threshold: number): number {
  return Math.max(Math.fround(threshold / INT8_MAX), MIN_SCALE);
}

/**
 * TensorRT's entropy calibration (IInt8EntropyCalibrator2): the threshold that minimizes the
 * KL divergence between the |x| histogram (exact zeros left out) and its quantization as Kiln's
 * engines quantize it: 128 levels (one side of int8), or 256 for a tensor never negative in
 * calibration (a ReLU output; Kiln runs it on [0, T] with all 256 uint8 levels, where TensorRT's
 * symmetric int8 has 128). See ENTROPY.md.
 *
 * @example
 * ```ts
 * import { calibrate, EntropyCalibrator2 } from '@kiln/calib';
 * const { scales } = await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches() });
 * ```
 */
export class EntropyCalibrator2 implements Calibrator {
  readonly algorithm = 'EntropyCalibration2';

  threshold(statistics: TensorStatistics): number {
    const histogram = statistics.histogram;
    // Exact zeros quantize without error at every threshold: they are left out of P and Q.
    const counts = Float64Array.from(histogram.counts);
    counts[0] = (counts[0] as number) - histogram.zeroCount;
    const levels = statistics.min >= 0 ? NON_NEGATIVE_LEVELS : QUANTIZED_LEVELS;
    return searchEntropyThreshold(counts, histogram.binWidth, histogram.absMax, levels).threshold;
  }
}

/**
 * The threshold is the largest |x| seen (TensorRT's IInt8MinMaxCalibrator): nothing is clipped.
 *
 * @example
 * ```ts
 * import { calibrate, MinMaxCalibrator } from '@kiln/calib';
 * const { scales } = await calibrate(model, { calibrator: new MinMaxCalibrator(), loader: batches() });
 * ```
 */
export class MinMaxCalibrator implements Calibrator {
  readonly algorithm = 'MinMaxCalibration';

  threshold(statistics: TensorStatistics): number {
    return statistics.absMax;
  }
}

/**
 * Options of {@link PercentileCalibrator}.
 *
 * @example
 * ```ts
 * new PercentileCalibrator({ percentile: 99.9 });
 * ```
 */
export interface PercentileOptions {
  /** Percentile of |x| to keep, in (0, 100] (default 99.99). */
  percentile?: number;
}

/**
 * The threshold is the given percentile of |x|, read from the histogram: with `w` the bin
 * width and `n` the count, the smallest bin `k` whose cumulative count `c_k` (bins 0..k)
 * satisfies `100·c_k ≥ percentile·n`; threshold = `min((k + 1)·w, absMax)` (the bin's upper
 * edge, never beyond the largest value seen). 100 gives the same threshold as MinMax.
 *
 * @example
 * ```ts
 * import { calibrate, PercentileCalibrator } from '@kiln/calib';
 * const calibrator = new PercentileCalibrator({ percentile: 99.999 });
 * const { scales } = await calibrate(model, { calibrator, loader: batches() });
 * ```
 */
export class PercentileCalibrator implements Calibrator {
  readonly algorithm: string;
  readonly percentile: number;

  constructor(options: PercentileOptions = {}) {
    const percentile = options.percentile ?? 99.99;
    if (!(percentile > 0 && percentile <= 100)) {
      throw new KilnError('ERR_CALIB_OPTIONS', 'The percentile must be in (0, 100]', {
        where: 'PercentileCalibrator({ percentile })',
        expected: 'a number with 0 < percentile ≤ 100, e.g. 99.99',
        found: String(percentile),
      });
    }
    this.percentile = percentile;
    this.algorithm = `PercentileCalibration-${percentile}`;
  }

  threshold(statistics: TensorStatistics): number {
    const { counts, binWidth } = statistics.histogram;
    const total = statistics.histogram.count;
    if (total === 0 || statistics.absMax === 0) return 0;
    let cumulative = 0;
    for (let k = 0; k < counts.length; k++) {
      cumulative += counts[k] as number;
      if (100 * cumulative >= this.percentile * total) return Math.min((k + 1) * binWidth, statistics.absMax);
    }
    return statistics.absMax;
  }
}

/** Scales (float32, per tensor name) a calibrator assigns to collected statistics. */
export function computeScales(calibrator: Calibrator, statistics: ReadonlyMap<string, TensorStatistics>): Map<string, number> {
  const scales = new Map<string, number>();
  for (const [name, entry] of statistics) scales.set(name, scaleFromThreshold(calibrator.threshold(entry)));
  return scales;
}
