// Reuse a compatible calibration cache or calibrate and write one.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { KilnError } from '@kiln/common';
import type { Model } from '@kiln/onnx-tools';
import { CACHE_VERSION, checkCalibrationCache, formatCalibrationCache, isCacheHeader, parseCalibrationCache } from './cache.js';
import { type Calibrator, computeScales } from './calibrators.js';
import type { CalibrationLoader } from './loader.js';
import { type TensorStatistics, collectStatistics } from './statistics.js';

/**
 * Options of {@link calibrate}.
 *
 * @example
 * ```ts
 * await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches(), cacheFile: 'model.calib', maxBatches: 64 });
 * ```
 */
export interface CalibrateOptions {
  calibrator: Calibrator;
  /** Batches to calibrate with; not read when a compatible cache is reused. */
  loader: CalibrationLoader;
  /** Calibration cache to reuse when present and compatible, and to write after calibrating. */
  cacheFile?: string;
  /** Tensors to calibrate (default: every float32 graph input and node output). */
  tensors?: readonly string[];
  /** Stop after this many batches (default: all). */
  maxBatches?: number;
  /** Recalibrate and overwrite a cache that is incompatible or damaged instead of failing (default false). */
  overwriteIncompatibleCache?: boolean;
}

/**
 * What {@link calibrate} returns.
 *
 * @example
 * ```ts
 * const { scales, source } = await calibrate(model, options);
 * if (source === 'cache') console.log('reused the calibration cache');
 * ```
 */
export interface CalibrationResult {
  /** float32 scale per tensor name (threshold / 127). */
  scales: Map<string, number>;
  /** `'cache'` when read from `cacheFile`, `'calibration'` when computed now. */
  source: 'cache' | 'calibration';
  /** The statistics, when computed now. */
  statistics?: Map<string, TensorStatistics>;
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KilnError('ERR_CALIB_CACHE', `Cannot read the calibration cache: ${(error as Error).message}`, { where: file, cause: error });
  }
}

function notACache(file: string, firstLine: string): KilnError {
  return new KilnError('ERR_CALIB_CACHE', 'The cache file exists but is not a calibration cache; Kiln neither reads nor overwrites it', {
    where: file,
    expected: `a first line like TRT-${CACHE_VERSION}-EntropyCalibration2`,
    found: JSON.stringify(firstLine.slice(0, 80)),
    hint: 'choose another cacheFile path, or move this file away',
  });
}

/**
 * Write `text` to `file` atomically: a temporary file in the same folder, then a rename. An
 * existing `file` is replaced only when it is a calibration cache (its first line is a
 * `TRT-<version>-<algorithm>` header).
 */
export async function writeCacheFile(file: string, text: string): Promise<void> {
  const existing = await readIfExists(file);
  if (existing !== undefined && !isCacheHeader(existing.split('\n')[0] ?? '')) throw notACache(file, existing.split('\n')[0] ?? '');
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new KilnError('ERR_CALIB_CACHE', `Cannot write the calibration cache: ${(error as Error).message}`, { where: file, cause: error, hint: 'check that the folder exists and is writable' });
  }
}

/** The reuse-or-recalibrate logic behind the public `calibrate`. */
export async function calibrateModel(model: Model, options: CalibrateOptions): Promise<CalibrationResult> {
  const { calibrator, cacheFile } = options;
  if (cacheFile !== undefined) {
    const text = await readIfExists(cacheFile);
    if (text !== undefined) {
      const firstLine = text.split('\n')[0] ?? '';
      if (!isCacheHeader(firstLine)) throw notACache(cacheFile, firstLine);
      try {
        const cache = parseCalibrationCache(text, cacheFile);
        checkCalibrationCache(cache, { algorithm: calibrator.algorithm, model, ...(options.tensors ? { tensors: options.tensors } : {}) }, cacheFile);
        return { scales: cache.scales, source: 'cache' };
      } catch (error) {
        if (!options.overwriteIncompatibleCache) throw error;
      }
    }
  }
  const statistics = await collectStatistics(model, options.loader, {
    ...(options.tensors ? { tensors: options.tensors } : {}),
    ...(options.maxBatches !== undefined ? { maxBatches: options.maxBatches } : {}),
  });
  const scales = computeScales(calibrator, statistics);
  if (cacheFile !== undefined) await writeCacheFile(cacheFile, formatCalibrationCache(calibrator.algorithm, scales));
  return { scales, source: 'calibration', statistics };
}

