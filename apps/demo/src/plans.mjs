// Build a model's plan once and keep it: the second start loads the plan instead of rebuilding.
// A plan's file name carries a key over the model bytes, input shape, Kiln version and the
// instruction set tactics were chosen for, so any of those changing builds a new one.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { buildEngine } from '@kiln/builder';
import { KilnError } from '@kiln/common';
import { maxIsa, version } from '@kiln/core-native';

/** `1x3x48x320`, or `1x3x48x64-1x3x48x1280` for a range. */
export function shapeLabel(profile) {
  const dims = (shape) => shape.join('x');
  return dims(profile.min) === dims(profile.max) ? dims(profile.min) : `${dims(profile.min)}-${dims(profile.max)}`;
}

/**
 * The cache file for a model built for an input shape range.
 * @param {string} cacheDir
 * @param {string} name short model name, e.g. `detection`
 * @param {Uint8Array} modelBytes
 * @param {{ min: number[], opt: number[], max: number[] }} profile
 * @param {number} level builder optimization level
 */
export function planPath(cacheDir, name, modelBytes, profile, level = 3) {
  const settings = `\0${JSON.stringify(profile)}\0level ${level}\0kiln ${version()}\0${maxIsa()}`;
  const key = crypto.createHash('sha256').update(modelBytes).update(settings).digest('hex').slice(0, 16);
  return path.join(cacheDir, `${name}-${shapeLabel(profile)}-${key}.plan`);
}

/**
 * The engine for `onnxFile` with input `inputName` in the shape range `profile`: loaded from
 * the cache when a plan with the same key is there and loads, else built (with the timing cache
 * beside it) and saved. Stale plans of the same model and shapes (older model or Kiln) are removed.
 * @param {{ runtime: import('@kiln/runtime').Runtime, name: string, onnxFile: string, inputName: string, profile: { min: number[], opt: number[], max: number[] }, cacheDir: string, level?: number, progress?: (event: import('@kiln/builder').BuildProgress) => void, note?: (line: string) => void }} options
 */
export async function loadOrBuild({ runtime, name, onnxFile, inputName, profile, cacheDir, level = 3, progress, note = () => {} }) {
  const modelBytes = fs.readFileSync(onnxFile);
  const file = planPath(cacheDir, name, modelBytes, profile, level);
  if (fs.existsSync(file)) {
    const started = performance.now();
    try {
      const engine = runtime.deserializeEngine(fs.readFileSync(file));
      return { engine, file, loaded: true, ms: performance.now() - started };
    } catch (error) {
      if (!KilnError.isInstance(error)) throw error;
      note(`the cached plan ${file} does not load ([${error.code}]); rebuilding it`);
    }
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const started = performance.now();
  const plan = await buildEngine(modelBytes, {
    minShapes: { [inputName]: profile.min },
    optShapes: { [inputName]: profile.opt },
    maxShapes: { [inputName]: profile.max },
    builderOptimizationLevel: level,
    timingCacheFile: path.join(cacheDir, 'timing.cache'),
    ...(progress ? { progress } : {}),
  });
  const ms = performance.now() - started;
  for (const old of fs.readdirSync(cacheDir)) {
    if (old.startsWith(`${name}-${shapeLabel(profile)}-`) && old.endsWith('.plan') && path.join(cacheDir, old) !== file) fs.rmSync(path.join(cacheDir, old), { force: true });
  }
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, plan);
  fs.renameSync(temporary, file);
  return { engine: runtime.deserializeEngine(plan), file, loaded: false, ms };
}
