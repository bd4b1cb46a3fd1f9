import { KilnError, readFlag } from '@kiln/common';
import { cpuFeatures, maxIsa, setThreads, version } from '@kiln/core-native';
import { load, save } from '@kiln/onnx-tools';
import { type BuildProgress, BuilderConfig, type Int8Calibration, type Precision, type PrecisionConstraints, type ShapeRange } from './config.js';
import { cancelReformats } from './internal/lower/cancel-reformats.js';
import { eliminateConcats } from './internal/lower/eliminate-concats.js';
import { FUSE_INVERTED_RESIDUAL, fuseInvertedResiduals, selectFused } from './internal/lower/fuse-inverted-residual.js';
import { fusePointwise } from './internal/lower/fuse-pointwise.js';
import type { LoweredLayer } from './internal/lower/types.js';
import { keepBf16Activations } from './internal/lower/bf16-activations.js';
import { keepInt8Activations } from './internal/lower/int8-activations.js';
import { timeInt8Forms } from './internal/lower/int8-tactics.js';
import { sinkLayouts } from './internal/lower/sink-layouts.js';
import { lowerGraph } from './internal/lower/index.js';
import { revisitNchwConvs } from './internal/lower/read-nchw.js';
import { PassContext } from './internal/pass.js';
import { planPrecision } from './internal/precision.js';
import { writePlan } from './internal/plan/write-plan.js';
import { applyProfiles, bindProfile } from './internal/profiles.js';
import { selectTactics } from './internal/tactics/select.js';
import { TimingCache } from './internal/tactics/timing-cache.js';
import { NetworkDefinition } from './network.js';
import { OnnxParser } from './parser.js';
import { disabledPasses, runPipeline } from './pipeline.js';

/**
 * Build a plan from a network and a config (TensorRT's `buildSerializedNetwork`): fold and fuse,
 * lower to kernels, time tactics (or pick by heuristic at level 0), plan the arena, write the
 * plan bytes. The network is not modified.
 *
 * @example
 * ```ts
 * const network = await new OnnxParser().parseFromFile('model.onnx');
 * const config = new BuilderConfig();
 * config.addOptimizationProfile({ input: { min: [1, 3, 224, 224], opt: [1, 3, 224, 224], max: [8, 3, 224, 224] } });
 * const plan = await buildSerializedNetwork(network, config);
 * fs.writeFileSync('model.plan', plan);
 * ```
 */
export async function buildSerializedNetwork(network: NetworkDefinition, config: BuilderConfig = new BuilderConfig()): Promise<Uint8Array> {
  const started = performance.now();
  const model = await load(save(network.model));
  const log = config.log ?? (readFlag('KILN_VERBOSE') ? (line: string) => console.error(`[kiln] ${line}`) : () => {});
  const progress = (stage: BuildProgress['stage'], done: number, total: number, layer?: string) =>
    config.progress?.({ stage, done, total, ...(layer === undefined ? {} : { layer }), elapsedMs: performance.now() - started });
  progress('optimize', 0, 0);
  const context = new PassContext(model, {
    verify: config.verifyPasses,
    foldSizeThreshold: 64 * 1024 * 1024,
    optimizationLevel: config.builderOptimizationLevel,
    reducedPrecision: config.fp16 || config.bf16 || config.int8 || config.stronglyTyped,
  });
  const profiles = applyProfiles(model.graph, config.profiles, (line) => context.note(line));
  const precision = await planPrecision(network.model, config, log);
  await runPipeline(context);
  const graph = context.model.graph;
  const graphOutputs = new Set(graph.outputs);
  const fuse = (some: LoweredLayer[]) => fusePointwise(some, graphOutputs, (line) => context.note(line));
  // Pointwise fusion again once the layouts settled: layout sinking turns a BatchNormalization
  // into a Mul and an Add next to its ReLU.
  let layers = fuse(cancelReformats(sinkLayouts(fuse(lowerGraph(context.model, context, precision))), graphOutputs, { readNchw: !disabledPasses().has('read-nchw-inputs') }));
  const unmatched = Object.keys(config.layerPrecisions).filter((name) => config.precisionConstraints !== 'none' && !precision.used.has(name));
  if (unmatched.length > 0) {
    const message = `No GEMM or convolution layer is named ${unmatched.map((name) => `"${name}"`).join(', ')}`;
    if (config.precisionConstraints === 'obey') {
      throw new KilnError('ERR_ARGUMENT', `${message}; layerPrecisions cannot be obeyed.`, { expected: 'names of Conv/Gemm/MatMul nodes', found: unmatched.join(', ') });
    }
    log(`Precision: ${message}; those layerPrecisions are ignored`);
  }
  for (const entry of context.log) log(entry.message);
  if (config.threads !== undefined) setThreads(config.threads);
  const cpu = `${maxIsa()}:${Object.entries(cpuFeatures()).filter(([, on]) => on).map(([name]) => name).join(',')}`;
  const cacheRead = config.timingCacheFile ? TimingCache.read(config.timingCacheFile, version(), cpu) : undefined;
  if (cacheRead?.note) log(cacheRead.note);
  // Without a cache file the build still keeps its timings in memory, as TensorRT's builder does:
  // layers of the same signature (bert's encoder layers, a block retimed after a precision
  // decision) are timed once and take the same tactic.
  const cache = cacheRead?.cache ?? new TimingCache(version(), cpu);
  const selection = { level: config.builderOptimizationLevel, optSymbols: bindProfile(graph, profiles[0]!, 'opt'), cache, log };
  selectTactics(layers, { ...selection, progress: (done: number, total: number, layer?: string) => progress('tactics', done, total, layer) });
  revisitNchwConvs(layers, (some) => selectTactics(some, selection), log);
  timeInt8Forms(layers, graphOutputs, (some) => selectTactics(some, selection), log);
  // After the int8 forms (a conv that took a qu8 tactic stays int8) and before inverted-residual
  // fusion: convs moved to bf16 (and depthwise layers between bf16 tensors) are no longer fp32
  // blocks to fuse; the fp32 blocks left still are.
  if (config.bf16 && !disabledPasses().has('keep-bf16-activations')) {
    const requested = (layer: string) => (config.precisionConstraints === 'none' ? undefined : config.layerPrecisions[layer]);
    keepBf16Activations(layers, graphOutputs, {
      allowsBf16: (layer) => requested(layer.name) === undefined || requested(layer.name) === 'bf16',
      optSymbols: selection.optSymbols,
      retime: config.builderOptimizationLevel > 0,
      selectBlock: disabledPasses().has(FUSE_INVERTED_RESIDUAL) || disabledPasses().has('decide-bf16-blocks') ? undefined : (layer) => selectFused(layer, selection),
      log,
    });
  }
  if (!disabledPasses().has(FUSE_INVERTED_RESIDUAL)) {
    context.currentPass = FUSE_INVERTED_RESIDUAL;
    layers = fuseInvertedResiduals(layers, graphOutputs, selection, (line) => {
      context.note(line);
      log(line);
    });
    context.currentPass = '';
  }
  if (config.timingCacheFile && cacheRead) cacheRead.cache.write(config.timingCacheFile);
  keepInt8Activations(layers, graphOutputs, log);
  const views = disabledPasses().has('eliminate-concats') ? new Map() : eliminateConcats(layers, new Set(graph.inputs), graphOutputs, log);
  const fallback = layers.filter((layer) => layer.family === 'reference').length;
  const { bytes, header } = writePlan(graph, layers, profiles, context.model.opsetImports, version(), {
    builderOptimizationLevel: config.builderOptimizationLevel,
    isaCap: maxIsa(),
    layers: layers.length,
    referenceLayers: fallback,
    fusions: context.log.filter((entry) => entry.message.startsWith('Fused:')).map((entry) => entry.message.slice(7)),
    eliminatedConcats: layers.filter((layer) => layer.family === 'x_concat_view').map((layer) => layer.name),
    timingCache: cacheRead ? { hits: cacheRead.cache.hits, misses: cacheRead.cache.misses } : undefined,
    buildMs: Math.round(performance.now() - started),
  }, views);
  if (config.memoryPoolLimit !== undefined && header.arenaBytes > config.memoryPoolLimit) {
    throw new KilnError('ERR_MEMORY_LIMIT', 'The engine needs more activation memory than the memory pool limit allows.', {
      expected: `at most ${config.memoryPoolLimit} bytes`,
      found: `${header.arenaBytes} bytes`,
      hint: 'Raise memoryPoolLimit or lower the maximum shapes of the optimization profile.',
    });
  }
  progress('done', layers.length, layers.length);
  log(`Arena: ${header.arenaBytes} bytes (sum of all activations ${header.activationBytes}); ${layers.length} layers, ${fallback} on reference kernels; built in ${Math.round(performance.now() - started)} ms`);
  return bytes;
}

/** Options of {@link buildEngine}: trtexec's build flags as an object. */
export interface BuildEngineOptions {
  /** Fixed shapes per input (min = opt = max). */
  shapes?: Record<string, number[]>;
  minShapes?: Record<string, number[]>;
  optShapes?: Record<string, number[]>;
  maxShapes?: Record<string, number[]>;
  threads?: number;
  builderOptimizationLevel?: number;
  timingCacheFile?: string;
  /** Receives the build log (fusions, tactics). */
  log?: (line: string) => void;
  /** Receives build progress (see {@link BuildProgress}), e.g. to draw a progress bar. */
  progress?: (event: BuildProgress) => void;
  /** Allow float16 GEMM/conv layers where faster (trtexec `--fp16`). */
  fp16?: boolean;
  /** Allow bfloat16 GEMM/conv layers where faster (trtexec `--bf16`). */
  bf16?: boolean;
  /** Allow int8 GEMM/conv layers where faster; implicit quantization needs `calibrator` (trtexec `--int8`). */
  int8?: boolean;
  /** fp16, bf16 and int8 together (trtexec `--best`). */
  best?: boolean;
  /** The model's types and Q/DQ nodes decide every precision (trtexec `--stronglyTyped`). */
  stronglyTyped?: boolean;
  /** How `layerPrecisions` bind (trtexec `--precisionConstraints`). */
  precisionConstraints?: PrecisionConstraints;
  /** Per-layer precisions by layer name (trtexec `--layerPrecisions=name:fp16,...`). */
  layerPrecisions?: Record<string, Precision>;
  /** Implicit int8 calibration: calibrator and data, and/or a calibration cache (trtexec `--calib`). */
  calibrator?: Int8Calibration;
}

/**
 * ONNX in, plan bytes out, in one call.
 *
 * @example
 * ```ts
 * import { buildEngine } from '@kiln/builder';
 * const plan = await buildEngine('mobilenet_v2.onnx', { minShapes: { input: [1, 3, 224, 224] }, optShapes: { input: [1, 3, 224, 224] }, maxShapes: { input: [8, 3, 224, 224] } });
 * // Reduced precision: bf16 where faster, int8 from a calibration cache (calibrated now if missing):
 * import { EntropyCalibrator2 } from '@kiln/calib';
 * const fast = await buildEngine('mobilenet_v2.onnx', { bf16: true, int8: true, calibrator: { calibrator: new EntropyCalibrator2(), loader: batches(), cacheFile: 'mobilenet_v2.calib' } });
 * ```
 */
export async function buildEngine(onnxPathOrBytes: string | Uint8Array, options: BuildEngineOptions = {}): Promise<Uint8Array> {
  const parser = new OnnxParser();
  const network = typeof onnxPathOrBytes === 'string' ? await parser.parseFromFile(onnxPathOrBytes) : await parser.parse(onnxPathOrBytes);
  const config = new BuilderConfig();
  if (options.builderOptimizationLevel !== undefined) config.builderOptimizationLevel = options.builderOptimizationLevel;
  config.timingCacheFile = options.timingCacheFile;
  config.threads = options.threads;
  config.log = options.log;
  config.progress = options.progress;
  config.fp16 = options.fp16 === true || options.best === true;
  config.bf16 = options.bf16 === true || options.best === true;
  config.int8 = options.int8 === true || options.best === true;
  config.stronglyTyped = options.stronglyTyped === true;
  if (options.precisionConstraints !== undefined) config.precisionConstraints = options.precisionConstraints;
  if (options.layerPrecisions !== undefined) config.layerPrecisions = options.layerPrecisions;
  config.int8Calibration = options.calibrator;
  const profile: Record<string, ShapeRange> = {};
  for (const [name, dims] of Object.entries(options.shapes ?? {})) profile[name] = { min: dims, opt: dims, max: dims };
  const names = new Set([...Object.keys(options.minShapes ?? {}), ...Object.keys(options.optShapes ?? {}), ...Object.keys(options.maxShapes ?? {})]);
  for (const name of names) {
    const min = options.minShapes?.[name];
    const max = options.maxShapes?.[name];
    const opt = options.optShapes?.[name] ?? max ?? min;
    if (!min || !max || !opt) {
      throw new KilnError('ERR_PROFILE', `Input "${name}" needs min and max shapes (opt defaults to max).`, {
        expected: 'minShapes and maxShapes for the same inputs',
        found: `min ${min ? 'given' : 'missing'}, max ${max ? 'given' : 'missing'}`,
      });
    }
    profile[name] = { min, opt, max };
  }
  if (Object.keys(profile).length > 0) config.addOptimizationProfile(profile);
  return buildSerializedNetwork(network, config);
}

/**
 * The builder object of TensorRT's API, for code ported from it.
 *
 * @example
 * ```ts
 * const builder = new Builder();
 * const network = builder.createNetwork();
 * const config = builder.createBuilderConfig();
 * const plan = await builder.buildSerializedNetwork(network, config);
 * ```
 */
export class Builder {
  createNetwork(): NetworkDefinition {
    return new NetworkDefinition();
  }

  createBuilderConfig(): BuilderConfig {
    return new BuilderConfig();
  }

  createParser(network: NetworkDefinition): OnnxParser {
    return new OnnxParser(network);
  }

  buildSerializedNetwork(network: NetworkDefinition, config: BuilderConfig): Promise<Uint8Array> {
    return buildSerializedNetwork(network, config);
  }
}

