import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KilnError } from '@kiln/common';
import type { Tensor } from '@kiln/onnx-tools';
import { type Engine, Runtime } from '@kiln/runtime';
import { type BuildEngineOptions, buildEngine } from './build.js';
import type { Precision } from './config.js';

/**
 * Options of {@link int8Sensitivity}: the build options of the engines it compares, the inputs it
 * compares them on, and when to stop moving layers out of int8.
 *
 * @example
 * ```ts
 * const options: Int8SensitivityOptions = { shapes: { input: [1, 3, 224, 224] }, calibrator: { cacheFile: 'm.calib' }, feeds, targetCosine: 0.995 };
 * ```
 */
export interface Int8SensitivityOptions extends Pick<BuildEngineOptions, 'shapes' | 'minShapes' | 'optShapes' | 'maxShapes' | 'threads' | 'log'> {
  /** Implicit int8 calibration, as for {@link buildEngine} (calibrated once, then reused). */
  calibrator: NonNullable<BuildEngineOptions['calibrator']>;
  /** Inputs to compare the engines on; a few calibration batches will do (at least one). */
  feeds: readonly Record<string, Tensor>[];
  /** The precision sensitive layers move to (default `'bf16'`, which stays close to fp32 and fast). */
  fallback?: Exclude<Precision, 'int8'>;
  /** Stop once every feed's outputs reach this cosine similarity to fp32 (default 0.995). */
  targetCosine?: number;
  /** Move at most this many layers (default: a quarter of the int8 layers, at least one). */
  maxLayers?: number;
}

/** How much one int8 layer costs the outputs: see {@link Int8SensitivityResult}. */
export interface LayerSensitivity {
  /** The layer's name, as `layerPrecisions` and `engine.inspect()` name it. */
  layer: string;
  /** Its int8 tactic in the all-int8 engine. */
  tactic: string;
  /** Worst cosine similarity to fp32 over the feeds with only this layer moved to the fallback precision. */
  cosine: number;
}

/**
 * What {@link int8Sensitivity} found.
 *
 * @example
 * ```ts
 * const { baselineCosine, cosine, layerPrecisions } = await int8Sensitivity('m.onnx', options);
 * console.log(`${baselineCosine} → ${cosine} with ${Object.keys(layerPrecisions).length} layers out of int8`);
 * ```
 */
export interface Int8SensitivityResult {
  /** Worst cosine similarity to fp32 over the feeds (and float outputs) of the engine with every layer it can in int8. */
  baselineCosine: number;
  /** Every int8 layer, most sensitive first (highest cosine when moved out of int8). */
  layers: LayerSensitivity[];
  /** The layers chosen, each to the fallback precision: build with these and `precisionConstraints: 'prefer'`. */
  layerPrecisions: Record<string, Precision>;
  /** Worst cosine similarity to fp32 of the engine built with `layerPrecisions`. */
  cosine: number;
}

/** Worst cosine similarity between two runs' float outputs, over every such output of every feed. */
function worstCosine(runs: readonly Record<string, Tensor>[], reference: readonly Record<string, Tensor>[]): number {
  let worst = 1;
  runs.forEach((outputs, index) => {
    for (const [name, tensor] of Object.entries(outputs)) {
      if (!(tensor.data instanceof Float32Array)) continue;  // integer outputs (argmax, ids) are not compared
      const a = tensor.data as ArrayLike<number>;
      const b = reference[index]![name]!.data as ArrayLike<number>;
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! * a[i]!;
        nb += b[i]! * b[i]!;
      }
      // Two all-zero outputs agree; one all-zero output against another does not.
      const cosine = na === 0 && nb === 0 ? 1 : na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
      worst = Math.min(worst, cosine);
    }
  });
  return worst;
}

/**
 * Which int8 layers cost a network its accuracy, and which to move out of int8 to reach a target
 * (Polygraphy's `debug precision`, automated). With implicit int8 every GEMM/conv quantizes its
 * input with one scale per tensor; on most networks a few layers, whose inputs have a range that
 * one scale serves badly, carry most of the error.
 *
 * How: builds an fp32 engine and one with every layer it can in int8 (`builderOptimizationLevel`
 * 0, so no layer stays wider because it timed faster), then, for each int8 layer, an engine with
 * only that layer in the fallback precision, and compares each to fp32 on `feeds` (worst cosine
 * similarity over feeds and outputs). Layers are then moved in order of that cosine, most
 * sensitive first, rebuilding after each, until `targetCosine` or `maxLayers` is reached. That is
 * one build per int8 layer plus a few: minutes for a 50-layer network.
 *
 * @example
 * ```ts
 * import { buildEngine, int8Sensitivity } from '@kiln/builder';
 * const found = await int8Sensitivity('mobilenet_v2.onnx', { calibrator: { cacheFile: 'mobilenet_v2.calib' }, feeds: someBatches });
 * const plan = await buildEngine('mobilenet_v2.onnx', { int8: true, bf16: true, calibrator: { cacheFile: 'mobilenet_v2.calib' }, precisionConstraints: 'prefer', layerPrecisions: found.layerPrecisions });
 * ```
 */
export async function int8Sensitivity(onnxPathOrBytes: string | Uint8Array, options: Int8SensitivityOptions): Promise<Int8SensitivityResult> {
  const { feeds, fallback = 'bf16', targetCosine = 0.995, log = () => {} } = options;
  if (feeds.length === 0) {
    throw new KilnError('ERR_ARGUMENT', 'int8Sensitivity needs inputs to compare the engines on.', {
      expected: 'at least one feed (a record of named input tensors)',
      found: 'an empty feeds list',
      hint: 'Pass a few calibration batches as feeds.',
    });
  }
  const ownCache = options.calibrator.cacheFile === undefined;
  const cacheFile = options.calibrator.cacheFile ?? path.join(tmpdir(), `kiln-sensitivity-${process.pid}-${randomBytes(4).toString('hex')}.calib`);
  const runtime = new Runtime({ threads: options.threads });
  const { shapes, minShapes, optShapes, maxShapes, threads } = options;
  const common = { shapes, minShapes, optShapes, maxShapes, threads, builderOptimizationLevel: 0 };
  const flags = { int8: true, bf16: fallback === 'bf16', fp16: fallback === 'fp16' };
  const outputsOf = async (engine: Engine) => {
    const context = engine.createExecutionContext();
    const runs: Record<string, Tensor>[] = [];
    for (const feed of feeds) runs.push(await context.run(feed));
    return runs;
  };
  const precisionsOf = (moved: readonly string[]): Record<string, Precision> => Object.fromEntries(moved.map((layer) => [layer, fallback]));
  const engineWith = async (moved: readonly string[]) =>
    runtime.deserializeEngine(await buildEngine(onnxPathOrBytes, { ...common, ...flags, calibrator: { cacheFile }, precisionConstraints: 'prefer', layerPrecisions: precisionsOf(moved) }));
  try {
    const reference = await outputsOf(runtime.deserializeEngine(await buildEngine(onnxPathOrBytes, common)));
    // The first int8 build calibrates (or reads the user's cache); the others reuse that cache.
    const int8 = runtime.deserializeEngine(await buildEngine(onnxPathOrBytes, { ...common, ...flags, calibrator: { ...options.calibrator, cacheFile } }));
    const baselineCosine = worstCosine(await outputsOf(int8), reference);
    const int8Layers = int8.inspect().layers.filter((layer) => layer.tactic.startsWith('qu8_'));
    log(`Sensitivity: ${int8Layers.length} int8 layers, worst cosine ${baselineCosine.toFixed(5)}`);
    const layers: LayerSensitivity[] = [];
    for (const [index, layer] of int8Layers.entries()) {
      const cosine = worstCosine(await outputsOf(await engineWith([layer.name])), reference);
      layers.push({ layer: layer.name, tactic: layer.tactic, cosine });
      log(`Sensitivity: ${index + 1}/${int8Layers.length} ${layer.name} in ${fallback}: worst cosine ${cosine.toFixed(5)}`);
    }
    layers.sort((a, b) => b.cosine - a.cosine);
    const maxLayers = options.maxLayers ?? Math.max(1, Math.floor(int8Layers.length / 4));
    const moved: string[] = [];
    let cosine = baselineCosine;
    let tries = 0;
    for (const { layer, cosine: alone } of layers) {
      if (cosine >= targetCosine || moved.length >= maxLayers || alone <= baselineCosine || tries++ >= 2 * maxLayers) break;
      const next = worstCosine(await outputsOf(await engineWith([...moved, layer])), reference);
      if (next <= cosine) continue;  // no better with this one as well: leave it in int8
      moved.push(layer);
      cosine = next;
      log(`Sensitivity: ${moved.length} layer(s) in ${fallback}, worst cosine ${cosine.toFixed(5)} (added ${layer})`);
    }
    return { baselineCosine, layers, layerPrecisions: precisionsOf(moved), cosine };
  } finally {
    if (ownCache) await rm(cacheFile, { force: true });
  }
}
