import type { Calibrator, CalibrationLoader } from '@kiln/calib';
import { KilnError } from '@kiln/common';

/** min/opt/max dims of one input in one optimization profile. */
export interface ShapeRange {
  min: number[];
  opt: number[];
  max: number[];
}

/** One optimization profile: a shape range per dynamic input (fixed inputs may be left out). */
export type OptimizationProfile = Record<string, ShapeRange>;

/**
 * A build's progress, as `BuilderConfig.progress` receives it. Tactic timing reports once per
 * layer before it is timed (`done` layers finished of `total`) and once more when all are done.
 *
 * @example
 * ```ts
 * config.progress = ({ stage, done, total, elapsedMs }) => console.error(`${stage} ${done}/${total} ${elapsedMs.toFixed(0)} ms`);
 * ```
 */
export interface BuildProgress {
  /** `optimize`: graph passes and lowering; `tactics`: timing tactics layer by layer; `done`: plan written. */
  stage: 'optimize' | 'tactics' | 'done';
  /** Layers whose tactic is chosen (0 before `tactics`; `total` at `done`). */
  done: number;
  /** Layers of the engine (0 until lowering has counted them). */
  total: number;
  /** The layer about to be timed (`tactics` only). */
  layer?: string;
  /** Milliseconds since the build started. */
  elapsedMs: number;
}

/** A layer precision: fp32, or a reduced precision the builder may choose where it is faster. */
export type Precision = 'fp32' | 'fp16' | 'bf16' | 'int8';

/**
 * How per-layer precisions ({@link BuilderConfig.layerPrecisions}) bind (TensorRT's
 * `kPREFER_PRECISION_CONSTRAINTS` / `kOBEY_PRECISION_CONSTRAINTS`): `none` ignores them, `prefer`
 * uses the layer's precision when it has a kernel for it (else the flags decide), `obey` fails the
 * build when it has none.
 */
export type PrecisionConstraints = 'none' | 'prefer' | 'obey';

/**
 * Implicit int8 calibration (TensorRT's `IInt8Calibrator`): a `@kiln/calib` calibrator and data
 * loader, and a calibration cache that is reused when present and compatible, rewritten otherwise.
 * With only `cacheFile`, the cache must exist and match the network.
 */
export interface Int8Calibration {
  /** An `@kiln/calib` calibrator (`new EntropyCalibrator2()`, `MinMaxCalibrator`, `PercentileCalibrator`). */
  calibrator?: Calibrator;
  /** Batches of named input tensors (any iterable or async iterable). */
  loader?: CalibrationLoader;
  /** TensorRT-format calibration cache to reuse or write. */
  cacheFile?: string;
}

/** How much the build log and the engine inspector say about layers. */
export type ProfilingVerbosity = 'none' | 'layer_names_only' | 'detailed';

/**
 * Build settings (TensorRT's `IBuilderConfig`).
 *
 * @example
 * ```ts
 * const config = new BuilderConfig();
 * config.addOptimizationProfile({ input: { min: [1, 3, 224, 224], opt: [1, 3, 224, 224], max: [8, 3, 224, 224] } });
 * config.builderOptimizationLevel = 3;
 * config.timingCacheFile = 'kiln.timing';
 * ```
 */
export class BuilderConfig {
  /** Optimization profiles; an engine built without one uses the model's static shapes. */
  readonly profiles: OptimizationProfile[] = [];
  private level = 3;
  /** Largest activation arena the engine may use, in bytes (the build fails above it). */
  memoryPoolLimit: number | undefined = undefined;
  /** Where to read and write the timing cache; when undefined the timings last only for this build. */
  timingCacheFile: string | undefined = undefined;
  profilingVerbosity: ProfilingVerbosity = 'layer_names_only';
  /** Threads to time tactics with (use the thread count you will run with). */
  threads: number | undefined = undefined;
  /** Receives build log lines (fusions, tactics); `undefined` keeps the build quiet. */
  log: ((line: string) => void) | undefined = undefined;
  /** Receives build progress (stage, layers done of total, elapsed time); for progress bars. */
  progress: ((event: BuildProgress) => void) | undefined = undefined;
  /** Run the graph verifier after every pass (tests turn it on). */
  verifyPasses = false;
  /** Let GEMM/conv layers run in float16 where that is faster (fp32 remains the fallback). */
  fp16 = false;
  /** Let GEMM/conv layers run in bfloat16 where that is faster (fp32 remains the fallback). */
  bf16 = false;
  /**
   * Let GEMM/conv layers run in int8 where faster: implicit quantization needs
   * {@link int8Calibration}; a model with QuantizeLinear/DequantizeLinear runs its quantized
   * layers in int8 regardless (explicit quantization).
   */
  int8 = false;
  /**
   * Strongly typed network (TensorRT's `kSTRONGLY_TYPED`): the model's types and its Q/DQ nodes
   * decide every layer's precision; `fp16`, `bf16` and `int8` may not be set.
   */
  stronglyTyped = false;
  /** Whether {@link layerPrecisions} are ignored, preferred or obeyed. */
  precisionConstraints: PrecisionConstraints = 'none';
  /** Per-layer precision, by layer (ONNX node) name; see {@link precisionConstraints}. */
  layerPrecisions: Record<string, Precision> = {};
  /** Calibrator, data and cache for implicit int8. */
  int8Calibration: Int8Calibration | undefined = undefined;

  /**
   * 0: tactics by heuristic, no timing. 1: time the heuristic's ISA variants. 2–3: time every
   * applicable tactic (3 is the default). 4–5: more timing repetitions for noisy machines.
   */
  get builderOptimizationLevel(): number {
    return this.level;
  }

  set builderOptimizationLevel(level: number) {
    if (!Number.isInteger(level) || level < 0 || level > 5) {
      throw new KilnError('ERR_ARGUMENT', 'builderOptimizationLevel must be an integer from 0 to 5.', { expected: '0..5', found: String(level) });
    }
    this.level = level;
  }

  /**
   * Add a profile; returns its index.
   *
   * @example
   * ```ts
   * config.addOptimizationProfile({ input_ids: { min: [1, 1], opt: [1, 128], max: [8, 256] } });
   * ```
   */
  addOptimizationProfile(profile: OptimizationProfile): number {
    for (const [name, range] of Object.entries(profile)) checkRange(name, range);
    this.profiles.push(profile);
    return this.profiles.length - 1;
  }
}

export function checkRange(name: string, range: ShapeRange): void {
  const { min, opt, max } = range;
  const valid = [min, opt, max].every((dims) => Array.isArray(dims) && dims.every((dim) => Number.isSafeInteger(dim) && dim >= 0));
  if (!valid || min.length !== opt.length || opt.length !== max.length) {
    throw new KilnError('ERR_PROFILE', `Profile for input "${name}" is malformed.`, {
      expected: 'min, opt and max dims of the same rank, non-negative integers',
      found: JSON.stringify(range),
    });
  }
  min.forEach((low, axis) => {
    if (!(low <= opt[axis]! && opt[axis]! <= max[axis]!)) {
      throw new KilnError('ERR_PROFILE', `Profile for input "${name}" has min > opt or opt > max at dim ${axis}.`, {
        expected: 'min <= opt <= max on every dim',
        found: `min ${low}, opt ${opt[axis]}, max ${max[axis]}`,
      });
    }
  });
}
