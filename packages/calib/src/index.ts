// Public surface of @kiln/calib. Internals live under src/internal/.
import type { Model } from '@kiln/onnx-tools';
import { type CacheRequirements, type CalibrationCache, checkCalibrationCache as checkCache, formatCalibrationCache as formatCache, parseCalibrationCache as parseCache } from './internal/cache.js';
import { type CalibrateOptions, type CalibrationResult, calibrateModel, writeCacheFile } from './internal/calibrate.js';
import { type Calibrator, computeScales as scalesOf, scaleFromThreshold as scaleOf } from './internal/calibrators.js';
import { type EntropySearchResult, searchEntropyThreshold as search } from './internal/entropy.js';
import { type Batch, checkBatch } from './internal/loader.js';
import { type QuantizeOptions, quantizeModelQdq } from './internal/qdq.js';
import { type CollectOptions, type TensorStatistics, collectStatistics as collect } from './internal/statistics.js';
import { readFile } from 'node:fs/promises';

export type { Batch, CalibrationLoader } from './internal/loader.js';
export type { CollectOptions, TensorStatistics } from './internal/statistics.js';
export type { CalibrationCache, CacheRequirements } from './internal/cache.js';
export type { CalibrateOptions, CalibrationResult } from './internal/calibrate.js';
export type { Calibrator, PercentileOptions } from './internal/calibrators.js';
export type { EntropySearchResult } from './internal/entropy.js';
export type { QuantizeOptions, QuantizableOp } from './internal/qdq.js';
export { AbsHistogram, HISTOGRAM_BINS } from './internal/histogram.js';
export { QUANTIZED_LEVELS, NON_NEGATIVE_LEVELS, ENTROPY_EPSILON } from './internal/entropy.js';
export { EntropyCalibrator2, MinMaxCalibrator, PercentileCalibrator, INT8_MAX, MIN_SCALE } from './internal/calibrators.js';
export { CACHE_VERSION } from './internal/cache.js';
export { QUANTIZABLE_OPS } from './internal/qdq.js';

/**
 * Check one batch against the model's inputs: same names (none missing, none extra), dtypes,
 * ranks, fixed dims, data length, and one value per symbolic dim. Throws `ERR_CALIB_INPUT`
 * naming the batch index, the tensor, and what was expected versus found.
 *
 * @example
 * ```ts
 * import { validateBatch } from '@kiln/calib';
 * const x = { type: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(192) } as const;
 * validateBatch(model, { x }, 0); // throws KilnError ERR_CALIB_INPUT when x does not fit
 * ```
 */
export function validateBatch(model: Model, batch: unknown, index = 0): asserts batch is Batch {
  checkBatch(model, batch, index);
}

/**
 * Run every batch of `loader` (any iterable or async iterable of {@link Batch}) through the
 * reference evaluator and collect, per float32 activation, min/max/|x| max and the 2048-bin
 * |x| histogram ({@link AbsHistogram}). Every batch is validated first (`ERR_CALIB_INPUT`); an
 * empty loader is `ERR_CALIB_EMPTY`; NaN/infinity is `ERR_CALIB_NONFINITE`; an unknown or
 * non-float32 tensor in `options.tensors` is `ERR_CALIB_TENSOR`.
 *
 * @example
 * ```ts
 * import { collectStatistics } from '@kiln/calib';
 * async function* batches() {
 *   for (let i = 0; i < 8; i++) yield { x: { type: 'float32', dims: [1, 3, 8, 8], data: new Float32Array(192).fill(i) } };
 * }
 * const statistics = await collectStatistics(model, batches());
 * console.log(statistics.get('x')?.absMax); // 7
 * ```
 */
export function collectStatistics(model: Model, loader: import('./internal/loader.js').CalibrationLoader, options?: CollectOptions): Promise<Map<string, TensorStatistics>> {
  return collect(model, loader, options);
}

/**
 * The Entropy2 threshold search on a histogram of |x| (as specified in ENTROPY.md): the
 * number of kept bins `i` (levels…bins) minimizing KL(P‖Q) where Q has `levels` quantized
 * levels, and the threshold `min((i + 0.5)·binWidth, absMax)`. `levels` defaults to
 * {@link QUANTIZED_LEVELS} (128, TensorRT's search); {@link EntropyCalibrator2} passes
 * {@link NON_NEGATIVE_LEVELS} (256) for tensors that are never negative. Throws
 * `ERR_CALIB_OPTIONS` on negative or non-finite counts, fewer bins than levels, or a level count
 * that is not an integer ≥ 2.
 *
 * @example
 * ```ts
 * import { searchEntropyThreshold } from '@kiln/calib';
 * const counts = new Float64Array(2048).fill(1); // uniform
 * searchEntropyThreshold(counts, 1 / 2048, 1).threshold; // 1: nothing is worth clipping
 * searchEntropyThreshold(counts, 1 / 2048, 1, 256).bins; // 2048
 * ```
 */
export function searchEntropyThreshold(counts: ArrayLike<number>, binWidth: number, absMax?: number, levels?: number): EntropySearchResult {
  return search(counts, binWidth, absMax, levels);
}

/**
 * The int8 scale of a threshold: `float32(threshold / 127)`, at least {@link MIN_SCALE}.
 *
 * @example
 * ```ts
 * import { scaleFromThreshold } from '@kiln/calib';
 * scaleFromThreshold(12.7); // 0.10000000149011612 (float32 of 0.1)
 * ```
 */
export function scaleFromThreshold(threshold: number): number {
  return scaleOf(threshold);
}

/**
 * Scales (per tensor) that a calibrator assigns to collected statistics.
 *
 * @example
 * ```ts
 * import { collectStatistics, computeScales, MinMaxCalibrator } from '@kiln/calib';
 * const scales = computeScales(new MinMaxCalibrator(), await collectStatistics(model, batches));
 * ```
 */
export function computeScales(calibrator: Calibrator, statistics: ReadonlyMap<string, TensorStatistics>): Map<string, number> {
  return scalesOf(calibrator, statistics);
}

/**
 * Parse calibration-cache text (TensorRT's format: `TRT-<version>-<algorithm>`, then
 * `<tensor>: <8 hex digits>` per line, the big-endian IEEE-754 bits of the float32 scale).
 * Any `<version>` is accepted here; {@link checkCalibrationCache} decides reuse. A bad header
 * or line is `ERR_CALIB_CACHE` naming the line.
 *
 * @example
 * ```ts
 * import { parseCalibrationCache } from '@kiln/calib';
 * const cache = parseCalibrationCache('TRT-Kiln2-EntropyCalibration2\nx: 3c010204\n');
 * cache.scales.get('x'); // 0.007874016...
 * ```
 */
export function parseCalibrationCache(text: string, where?: string): CalibrationCache {
  return parseCache(text, where);
}

/**
 * Calibration-cache text for `scales`, headed `TRT-<version>-<algorithm>` (version
 * {@link CACHE_VERSION} unless given). `parseCalibrationCache(formatCalibrationCache(a, s))`
 * gives back `s` exactly (float32 values).
 *
 * @example
 * ```ts
 * import { formatCalibrationCache } from '@kiln/calib';
 * formatCalibrationCache('MinMaxCalibration', new Map([['x', 1 / 127]]));
 * // 'TRT-Kiln2-MinMaxCalibration\nx: 3c010204\n'
 * ```
 */
export function formatCalibrationCache(algorithm: string, scales: ReadonlyMap<string, number>, version?: string): string {
  return formatCache(algorithm, scales, version);
}

/**
 * Throw `ERR_CALIB_CACHE` (with what to do: recalibrate) unless the cache was written by Kiln's
 * {@link CACHE_VERSION} for the same algorithm, names only tensors the model has, and covers
 * `requirements.tensors`.
 *
 * @example
 * ```ts
 * import { checkCalibrationCache, parseCalibrationCache } from '@kiln/calib';
 * const cache = parseCalibrationCache(text);
 * checkCalibrationCache(cache, { algorithm: 'EntropyCalibration2', model });
 * ```
 */
export function checkCalibrationCache(cache: CalibrationCache, requirements: CacheRequirements, where?: string): void {
  checkCache(cache, requirements, where);
}

/**
 * Read and parse a calibration cache file (`ERR_CALIB_CACHE` for a bad header or line).
 *
 * @example
 * ```ts
 * import { readCalibrationCache } from '@kiln/calib';
 * const { algorithm, scales } = await readCalibrationCache('model.calib');
 * ```
 */
export async function readCalibrationCache(file: string): Promise<CalibrationCache> {
  return parseCache(await readFile(file, 'utf8'), file);
}

/**
 * Write a calibration cache file atomically (temporary file + rename). An existing file is
 * replaced only if it is itself a calibration cache; anything else is `ERR_CALIB_CACHE`.
 *
 * @example
 * ```ts
 * import { writeCalibrationCache } from '@kiln/calib';
 * await writeCalibrationCache('model.calib', 'EntropyCalibration2', result.scales);
 * ```
 */
export function writeCalibrationCache(file: string, algorithm: string, scales: ReadonlyMap<string, number>): Promise<void> {
  return writeCacheFile(file, formatCache(algorithm, scales));
}

/**
 * Reuse or recalibrate: with `cacheFile` present and compatible (Kiln's cache version, the
 * calibrator's algorithm, only tensors of this model), return its scales without reading the
 * loader; without it, collect statistics, compute scales and write the cache atomically. An
 * incompatible or damaged cache is `ERR_CALIB_CACHE` unless `overwriteIncompatibleCache`; a
 * file that is not a calibration cache is never read nor overwritten.
 *
 * @example
 * ```ts
 * import { calibrate, EntropyCalibrator2 } from '@kiln/calib';
 * const { scales, source } = await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches(), cacheFile: 'model.calib' });
 * console.log(source, scales.size); // 'calibration' the first time, 'cache' afterwards
 * ```
 */
export function calibrate(model: Model, options: CalibrateOptions): Promise<CalibrationResult> {
  return calibrateModel(model, options);
}

/**
 * A new model with QuantizeLinear/DequantizeLinear pairs in onnxruntime's QDQ placement: each
 * activation input and output of a quantized op goes through Q (int8, zero point 0, the
 * calibrated per-tensor scale) → DQ; Conv/MatMul/Gemm float32 weights become int8 initializers
 * with a per-channel (output channel: Conv axis 0, MatMul B last axis, Gemm B axis 0 if transB
 * else 1) symmetric scale computed from the weights, behind a DequantizeLinear. Biases stay
 * float. Needs ai.onnx opset ≥ 13 for per-channel weights (`ERR_CALIB_QUANTIZE`); a missing
 * activation scale is `ERR_CALIB_QUANTIZE` naming the tensor and node. `model` is unchanged.
 *
 * @example
 * ```ts
 * import { calibrate, MinMaxCalibrator, quantizeModel } from '@kiln/calib';
 * import { save } from '@kiln/onnx-tools';
 * const { scales } = await calibrate(model, { calibrator: new MinMaxCalibrator(), loader: batches() });
 * const qdq = await quantizeModel(model, scales, { ops: ['Conv', 'MatMul', 'Gemm', 'Add'] });
 * writeFileSync('model.qdq.onnx', save(qdq));
 * ```
 */
export function quantizeModel(model: Model, scales: ReadonlyMap<string, number>, options?: QuantizeOptions): Promise<Model> {
  return quantizeModelQdq(model, scales, options);
}
