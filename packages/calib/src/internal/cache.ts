// Calibration caches in TensorRT's text format.
import { KilnError } from '@kiln/common';
import type { Model } from '@kiln/onnx-tools';

/**
 * The `<version>` Kiln writes in `TRT-<version>-<algorithm>`: `Kiln` plus the number of the
 * calibration specification (histogram, Entropy2 search, scale rule). It changes whenever any
 * of them changes, so caches from an older rule are recalibrated rather than silently reused.
 *
 * @example
 * ```ts
 * import { CACHE_VERSION } from '@kiln/calib';
 * `TRT-${CACHE_VERSION}-EntropyCalibration2`; // 'TRT-Kiln2-EntropyCalibration2'
 * ```
 */
export const CACHE_VERSION = 'Kiln2';

/**
 * A parsed calibration cache.
 *
 * @example
 * ```ts
 * const { version, algorithm, scales } = parseCalibrationCache(text); // '8601', 'EntropyCalibration2', Map
 * ```
 */
export interface CalibrationCache {
  /** `<version>` of the header, e.g. `Kiln2` or TensorRT's `8601`. */
  version: string;
  /** `<algorithm>` of the header, e.g. `EntropyCalibration2`. */
  algorithm: string;
  /** float32 scale per tensor name, in file order. */
  scales: Map<string, number>;
}

const HEADER = /^TRT-([^-\s]+)-(\S+)$/;
const HEX = /^[0-9a-fA-F]{1,8}$/;

function cacheError(message: string, details: { where?: string; expected?: string; found?: string; hint?: string }): KilnError {
  return new KilnError('ERR_CALIB_CACHE', message, details);
}

/** float32 → 8 lowercase hex digits of its big-endian IEEE-754 bits. */
export function scaleToHex(scale: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, scale, false);
  return view.getUint32(0, false).toString(16).padStart(8, '0');
}

/** 1–8 hex digits (big-endian IEEE-754 float32 bits) → the float. */
export function hexToScale(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, Number.parseInt(hex, 16), false);
  return view.getFloat32(0, false);
}

/** True when the first line looks like a calibration cache header (`TRT-<version>-<algorithm>`). */
export function isCacheHeader(line: string): boolean {
  return HEADER.test(line.replace(/\r$/, ''));
}

/**
 * Parse cache text. Lines end in `\n` (a `\r` before it is dropped); blank lines are skipped.
 * Each tensor line is `<name>: <hex>` split at the LAST `': '` (names may contain colons and
 * spaces); the hex is 1–8 digits of either case and must decode to a positive finite float32.
 */
export function parseCalibrationCache(text: string, where = 'calibration cache'): CalibrationCache {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  const header = HEADER.exec(lines[0] ?? '');
  if (!header) {
    throw cacheError('Not a calibration cache: the first line is not a TRT-<version>-<algorithm> header', {
      where: `${where}, line 1`,
      expected: `e.g. TRT-${CACHE_VERSION}-EntropyCalibration2`,
      found: JSON.stringify((lines[0] ?? '').slice(0, 80)),
      hint: 'point cacheFile at a calibration cache, or at a path that does not exist yet',
    });
  }
  const scales = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const lineWhere = `${where}, line ${i + 1}`;
    const split = line.lastIndexOf(': ');
    const name = split > 0 ? line.slice(0, split) : '';
    const hex = split > 0 ? line.slice(split + 2) : '';
    if (name === '' || !HEX.test(hex)) {
      throw cacheError(`Malformed calibration cache line ${i + 1}`, {
        where: lineWhere,
        expected: '<tensor name>: <8 hex digits of a float32>',
        found: JSON.stringify(line.slice(0, 120)),
        hint: 'the cache is damaged: delete it and recalibrate',
      });
    }
    const scale = hexToScale(hex);
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw cacheError(`Calibration cache line ${i + 1} holds an invalid scale for '${name}'`, {
        where: lineWhere, expected: 'a positive finite float32', found: `${hex} (${scale})`, hint: 'delete the cache and recalibrate',
      });
    }
    if (scales.has(name)) {
      throw cacheError(`Calibration cache names '${name}' twice`, { where: lineWhere, found: 'a duplicate tensor line', hint: 'delete the cache and recalibrate' });
    }
    scales.set(name, scale);
  }
  return { version: header[1] as string, algorithm: header[2] as string, scales };
}

/** Cache text: the header, then `<name>: <hex>` per tensor in the map's order, each line ending in `\n`. */
export function formatCalibrationCache(algorithm: string, scales: ReadonlyMap<string, number>, version = CACHE_VERSION): string {
  const header = `TRT-${version}-${algorithm}`;
  if (!HEADER.test(header)) {
    throw cacheError('Invalid cache header fields', { where: 'formatCalibrationCache', expected: 'a version without "-" or spaces and an algorithm without spaces', found: JSON.stringify(header) });
  }
  const lines = [header];
  for (const [name, scale] of scales) {
    if (name === '' || /[\r\n]/.test(name)) {
      throw cacheError('A tensor name cannot be written to a calibration cache', { where: 'formatCalibrationCache', expected: 'a non-empty name without line breaks', found: JSON.stringify(name) });
    }
    if (!(Number.isFinite(scale) && scale > 0) || Math.fround(scale) === 0) {
      throw cacheError(`Invalid scale for '${name}'`, { where: 'formatCalibrationCache', expected: 'a positive finite float32', found: String(scale) });
    }
    lines.push(`${name}: ${scaleToHex(scale)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What a cache must match to be reused.
 *
 * @example
 * ```ts
 * checkCalibrationCache(cache, { algorithm: 'MinMaxCalibration', model, tensors: ['input'] });
 * ```
 */
export interface CacheRequirements {
  algorithm: string;
  version?: string;
  /** The network: every cached tensor must exist in it. */
  model?: Model;
  /** Tensors the cache must cover. */
  tensors?: readonly string[];
}

/** Throw ERR_CALIB_CACHE unless `cache` can stand in for a calibration with `requirements`. */
export function checkCalibrationCache(cache: CalibrationCache, requirements: CacheRequirements, where = 'calibration cache'): void {
  const version = requirements.version ?? CACHE_VERSION;
  const wanted = `TRT-${version}-${requirements.algorithm}`;
  const found = `TRT-${cache.version}-${cache.algorithm}`;
  const hint = 'delete the cache file (or pass overwriteIncompatibleCache: true) to recalibrate';
  if (cache.algorithm !== requirements.algorithm) {
    throw cacheError(`The calibration cache was made by another calibrator (${cache.algorithm})`, { where: `${where}, line 1`, expected: wanted, found, hint });
  }
  if (cache.version !== version) {
    throw cacheError(`The calibration cache was written by another producer or version (${cache.version})`, { where: `${where}, line 1`, expected: wanted, found, hint });
  }
  if (requirements.model) {
    const tensors = requirements.model.graph.tensors();
    const unknown = [...cache.scales.keys()].filter((name) => !tensors.has(name));
    if (unknown.length > 0) {
      throw cacheError(`The calibration cache names ${unknown.length} tensor(s) the network lacks`, {
        where, expected: 'only tensors of this network', found: unknown.slice(0, 5).map((n) => `'${n}'`).join(', ') + (unknown.length > 5 ? ', ...' : ''),
        hint: `the cache belongs to another model or version of it: ${hint}`,
      });
    }
  }
  const missing = (requirements.tensors ?? []).filter((name) => !cache.scales.has(name));
  if (missing.length > 0) {
    throw cacheError(`The calibration cache lacks scales for ${missing.length} requested tensor(s)`, {
      where, expected: 'a scale for every requested tensor', found: `no line for ${missing.slice(0, 5).map((n) => `'${n}'`).join(', ')}`, hint,
    });
  }
}
