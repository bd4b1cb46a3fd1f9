import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { GraphBuilder, type Model } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import {
  CACHE_VERSION, EntropyCalibrator2, MinMaxCalibrator, calibrate, checkCalibrationCache, formatCalibrationCache, parseCalibrationCache,
  readCalibrationCache, writeCalibrationCache,
} from '../src/index.js';

function reluModel(): Model {
  const g = new GraphBuilder('relu');
  const x = g.input('x', 'float32', [4]);
  g.output(g.layer('Relu', [x], undefined, { name: 'relu', outputs: ['y'] }), 'float32');
  return g.toModel({ opset: 13 });
}

const batch = { x: { type: 'float32' as const, dims: [4], data: Float32Array.of(-2, 1, 0.5, 3) } };

describe('calibration cache text', () => {
  it('writes TensorRT-style lines: big-endian float32 bits as 8 hex digits', () => {
    const text = formatCalibrationCache('EntropyCalibration2', new Map([['x', 1 / 127], ['conv 1: out', 1], ['tiny', 2 ** -126]]));
    expect(text).toBe(`TRT-${CACHE_VERSION}-EntropyCalibration2\nx: 3c010204\nconv 1: out: 3f800000\ntiny: 00800000\n`);
    const cache = parseCalibrationCache(text);
    expect(cache).toEqual({ version: CACHE_VERSION, algorithm: 'EntropyCalibration2', scales: new Map([['x', Math.fround(1 / 127)], ['conv 1: out', 1], ['tiny', 2 ** -126]]) });
  });

  it('round-trips every positive finite float32 and any name without line breaks exactly (property)', () => {
    const scale = fc.float({ min: 2 ** -149, noNaN: true, noDefaultInfinity: true }).filter((v) => v > 0);
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((n) => !/[\r\n]/.test(n));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, scale), { selector: ([n]) => n, maxLength: 20 }), (entries) => {
        const scales = new Map(entries);
        const parsed = parseCalibrationCache(formatCalibrationCache('MinMaxCalibration', scales));
        expect([...parsed.scales]).toEqual([...scales]);
      }),
      { seed: 8301, numRuns: 200 },
    );
  });

  it('reads TensorRT caches: short hex, upper case, CRLF, blank lines', () => {
    const cache = parseCalibrationCache('TRT-8601-EntropyCalibration2\r\nin: 3C010204\r\n\r\n(Unnamed Layer* 0) [Convolution]_output: 800000\r\n');
    expect(cache.version).toBe('8601');
    expect([...cache.scales.keys()]).toEqual(['in', '(Unnamed Layer* 0) [Convolution]_output']);
    expect(cache.scales.get('(Unnamed Layer* 0) [Convolution]_output')).toBe(2 ** -126);
  });

  it.each([
    ['no header', 'x: 3c010204\n', 'line 1'],
    ['an empty file', '', 'line 1'],
    ['a line without ": "', 'TRT-Kiln1-MinMaxCalibration\nx 3c010204\n', 'line 2'],
    ['a non-hex scale', 'TRT-Kiln1-MinMaxCalibration\nx: 0x3c01\n', 'line 2'],
    ['nine hex digits', 'TRT-Kiln1-MinMaxCalibration\nx: 3c0102040\n', 'line 2'],
    ['a negative scale', 'TRT-Kiln1-MinMaxCalibration\nx: bf800000\n', 'line 2'],
    ['a NaN scale', 'TRT-Kiln1-MinMaxCalibration\nx: 7fc00000\n', 'line 2'],
    ['a zero scale', 'TRT-Kiln1-MinMaxCalibration\nx: 0\n', 'line 2'],
    ['a duplicate tensor', 'TRT-Kiln1-MinMaxCalibration\nx: 3f800000\ny: 3f800000\nx: 3f800000\n', 'line 4'],
    ['an empty name', 'TRT-Kiln1-MinMaxCalibration\n: 3f800000\n', 'line 2'],
  ])('rejects %s with ERR_CALIB_CACHE naming the line', (_, text, line) => {
    expect(() => parseCalibrationCache(text, 'c.cache')).toThrow(expect.objectContaining({ code: 'ERR_CALIB_CACHE', where: `c.cache, ${line}` }));
  });

  it('refuses to write names with line breaks or invalid scales', () => {
    expect(() => formatCalibrationCache('MinMaxCalibration', new Map([['a\nb', 1]]))).toThrow(expect.objectContaining({ code: 'ERR_CALIB_CACHE' }));
    expect(() => formatCalibrationCache('MinMaxCalibration', new Map([['a', 0]]))).toThrow(expect.objectContaining({ code: 'ERR_CALIB_CACHE' }));
    expect(() => formatCalibrationCache('MinMaxCalibration', new Map([['a', 1e-50]]))).toThrow(expect.objectContaining({ code: 'ERR_CALIB_CACHE' }));
  });

  it('compatibility: another calibrator, another version, unknown or missing tensors are ERR_CALIB_CACHE with a recalibrate hint', () => {
    const model = reluModel();
    const ok = parseCalibrationCache(`TRT-${CACHE_VERSION}-EntropyCalibration2\nx: 3f800000\ny: 3f800000\n`);
    expect(() => checkCalibrationCache(ok, { algorithm: 'EntropyCalibration2', model, tensors: ['x', 'y'] })).not.toThrow();
    const cases: [string, Parameters<typeof checkCalibrationCache>[1]][] = [
      [`TRT-${CACHE_VERSION}-MinMaxCalibration\nx: 3f800000\n`, { algorithm: 'EntropyCalibration2' }],
      ['TRT-8601-EntropyCalibration2\nx: 3f800000\n', { algorithm: 'EntropyCalibration2' }],
      // Kiln1: thresholds from the search before non-negative tensors got 256 levels.
      ['TRT-Kiln1-EntropyCalibration2\nx: 3f800000\ny: 3f800000\n', { algorithm: 'EntropyCalibration2', model, tensors: ['x', 'y'] }],
      [`TRT-${CACHE_VERSION}-EntropyCalibration2\nx: 3f800000\nconv0: 3f800000\n`, { algorithm: 'EntropyCalibration2', model }],
      [`TRT-${CACHE_VERSION}-EntropyCalibration2\nx: 3f800000\n`, { algorithm: 'EntropyCalibration2', model, tensors: ['x', 'y'] }],
    ];
    for (const [text, requirements] of cases) {
      expect(() => checkCalibrationCache(parseCalibrationCache(text), requirements)).toThrow(expect.objectContaining({ code: 'ERR_CALIB_CACHE', hint: expect.stringContaining('recalibrate') }));
    }
  });
});

describe('calibrate: reuse or recalibrate', () => {
  const folder = mkdtempSync(path.join(tmpdir(), 'kiln-calib-'));

  it('calibrates and writes the cache, then reuses it without reading the loader', async () => {
    const cacheFile = path.join(folder, 'relu.cache');
    const first = await calibrate(reluModel(), { calibrator: new MinMaxCalibrator(), loader: [batch], cacheFile });
    expect(first.source).toBe('calibration');
    expect(first.scales).toEqual(new Map([['x', Math.fround(3 / 127)], ['y', Math.fround(3 / 127)]]));
    expect(readFileSync(cacheFile, 'utf8')).toBe(formatCalibrationCache('MinMaxCalibration', first.scales));
    expect((await readCalibrationCache(cacheFile)).scales).toEqual(first.scales);
    const untouched = { [Symbol.iterator]: () => { throw new Error('the loader must not be read'); } };
    const second = await calibrate(reluModel(), { calibrator: new MinMaxCalibrator(), loader: untouched as never, cacheFile });
    expect(second).toEqual({ scales: first.scales, source: 'cache' });
    expect(readdirSync(folder).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('an incompatible cache is an error unless overwriteIncompatibleCache, which recalibrates', async () => {
    const cacheFile = path.join(folder, 'other.cache');
    writeFileSync(cacheFile, `TRT-${CACHE_VERSION}-MinMaxCalibration\nx: 3f800000\n`);
    await expect(calibrate(reluModel(), { calibrator: new EntropyCalibrator2(), loader: [batch], cacheFile })).rejects.toMatchObject({ code: 'ERR_CALIB_CACHE', expected: `TRT-${CACHE_VERSION}-EntropyCalibration2` });
    const result = await calibrate(reluModel(), { calibrator: new EntropyCalibrator2(), loader: [batch], cacheFile, overwriteIncompatibleCache: true });
    expect(result.source).toBe('calibration');
    expect(readFileSync(cacheFile, 'utf8').split('\n')[0]).toBe(`TRT-${CACHE_VERSION}-EntropyCalibration2`);
  });

  it('never reads nor overwrites a file that is not a calibration cache', async () => {
    const cacheFile = path.join(folder, 'model.onnx');
    writeFileSync(cacheFile, 'not a cache at all');
    for (const overwriteIncompatibleCache of [false, true]) {
      await expect(calibrate(reluModel(), { calibrator: new MinMaxCalibrator(), loader: [batch], cacheFile, overwriteIncompatibleCache })).rejects.toMatchObject({ code: 'ERR_CALIB_CACHE' });
    }
    await expect(writeCalibrationCache(cacheFile, 'MinMaxCalibration', new Map([['x', 1]]))).rejects.toMatchObject({ code: 'ERR_CALIB_CACHE' });
    expect(readFileSync(cacheFile, 'utf8')).toBe('not a cache at all');
  });

  it('a cache folder that does not exist is ERR_CALIB_CACHE on write', async () => {
    const cacheFile = path.join(folder, 'missing', 'x.cache');
    await expect(calibrate(reluModel(), { calibrator: new MinMaxCalibrator(), loader: [batch], cacheFile })).rejects.toMatchObject({ code: 'ERR_CALIB_CACHE' });
  });
});
