import { existsSync } from 'node:fs';
import { type CalibrationLoader, calibrate, checkCalibrationCache, readCalibrationCache } from '@kiln/calib';
import { KilnError } from '@kiln/common';
import type { Model, Node, Value } from '@kiln/onnx-tools';
import type { BuilderConfig, Int8Calibration, Precision } from '../config.js';
import { isNonNegative } from './non-negative.js';
import { runnableTactics } from './tactics/runnable.js';
import { originalOf } from './same-data.js';

/** The uint8 grid a qu8 layer quantizes its fp32 input to, and its weight scales when the model gives them. */
export interface LayerQuantization {
  inputScale: number;
  inputZeroPoint: number;
  weightScales?: Float32Array;
  /** From the model's Q/DQ nodes (explicit) rather than calibration (implicit). */
  explicit: boolean;
}

/** Attributes fold-qdq leaves on a Conv/Gemm/MatMul whose input and weights it absorbed. */
export const QDQ_ATTRIBUTES = ['kiln_input_scale', 'kiln_input_zero_point', 'kiln_weight_scales', 'kiln_activation_scale', 'kiln_activation_zero_point'] as const;

const FAMILY_PREFIX: Record<Precision, string> = { int8: 'qu8', bf16: 'bf16', fp16: 'f16', fp32: 'f32' };
/** Heuristic order (level 0 picks the first applicable): narrowest first, fp32 last. */
const ORDER: Precision[] = ['int8', 'bf16', 'fp16', 'fp32'];

/**
 * Which precisions each GEMM/conv layer may run in: the builder flags, per-layer constraints,
 * calibration scales (implicit int8) and the model's Q/DQ (explicit int8).
 */
export class PrecisionPlan {
  /** Layer names a constraint named, to report the ones that matched nothing. */
  readonly used = new Set<string>();

  constructor(
    private readonly allowed: ReadonlySet<Precision>,
    private readonly scales: ReadonlyMap<string, number>,
    private readonly config: Pick<BuilderConfig, 'precisionConstraints' | 'layerPrecisions'>,
    private readonly log: (line: string) => void,
  ) {}

  /** The input quantization of a fused node: its Q/DQ attributes, else the calibrated grid of `input`. */
  quantization(node: Node, input: Value): LayerQuantization | undefined {
    const scale = node.attributes.get('kiln_input_scale');
    if (scale?.type === 'float') {
      const zeroPoint = node.attributes.get('kiln_input_zero_point');
      const weights = node.attributes.get('kiln_weight_scales');
      return {
        inputScale: scale.value,
        inputZeroPoint: zeroPoint?.type === 'int' ? zeroPoint.value : 128,
        ...(weights?.type === 'floats' ? { weightScales: Float32Array.from(weights.value) } : {}),
        explicit: true,
      };
    }
    const grid = this.calibratedGrid(input);
    return grid === undefined ? undefined : { inputScale: grid.scale, inputZeroPoint: grid.zeroPoint, explicit: false };
  }

  /**
   * The uint8 grid implicit int8 quantizes a calibrated tensor to. The calibration scale s comes
   * with the threshold T = 127·s (TensorRT's symmetric int8): the grid is s with zero point 128,
   * [-128·s, 127·s]. A tensor that is never negative (a ReLU or ReLU6 output, see isNonNegative)
   * would use only half of those levels, so it gets [0, T] over all 256 instead: scale T / 255,
   * zero point 0, twice the resolution for the same threshold (onnxruntime quantizes ReLU outputs
   * to uint8 the same way). The calibration cache keeps TensorRT's meaning either way.
   */
  private calibratedGrid(input: Value): { scale: number; zeroPoint: number } | undefined {
    // A lifted 1-D tensor (lift-1d) is calibrated under its original name.
    const calibrated = this.scales.get(input.name) ?? this.scales.get(originalOf(input).name);
    if (calibrated === undefined) return undefined;
    return isNonNegative(input) ? { scale: (calibrated * 127) / 255, zeroPoint: 0 } : { scale: calibrated, zeroPoint: 128 };
  }

  /**
   * The uint8 grid a depthwise convolution may read its input on (qu8_dwconv, between int8
   * layers): the model's Q/DQ pair on that input (fold-qdq leaves it as attributes), else the
   * calibrated scale when int8 is allowed and no per-layer constraint says otherwise.
   */
  depthwiseGrid(node: Node, layer: string, input: Value): { scale: number; zeroPoint: number } | undefined {
    const scale = node.attributes.get('kiln_activation_scale');
    if (scale?.type === 'float') {
      const zeroPoint = node.attributes.get('kiln_activation_zero_point');
      return { scale: scale.value, zeroPoint: zeroPoint?.type === 'int' ? zeroPoint.value : 128 };
    }
    const requested = this.config.precisionConstraints === 'none' ? undefined : this.config.layerPrecisions[layer];
    if (!this.allowed.has('int8') || (requested !== undefined && requested !== 'int8')) return undefined;
    return this.calibratedGrid(input);
  }

  /** Tactic ids for a `conv` or `gemm` layer, narrowest precision first, highest ISA first within one. */
  candidates(op: 'conv' | 'gemm', layer: string, quantization: LayerQuantization | undefined): string[] {
    // Reduced-precision scalar variants are references (oracles), never a speed-up: left out.
    const tactics = this.precisions(layer, quantization).flatMap((precision) =>
      runnableTactics(`${FAMILY_PREFIX[precision]}_${op}`).filter((tactic) => precision === 'fp32' || !tactic.endsWith('__scalar')),
    );
    if (tactics.length > 0) return tactics;
    if (this.config.precisionConstraints === 'obey' && this.config.layerPrecisions[layer] !== undefined) {
      throw new KilnError('ERR_PRECISION', `Layer "${layer}" must run in ${this.config.layerPrecisions[layer]}, but this CPU has no such kernel for it.`, {
        expected: `a ${this.config.layerPrecisions[layer]} ${op} kernel runnable here (see kernels())`,
        found: 'none (check KILN_MAX_ISA and the CPU features)',
        hint: 'Use precisionConstraints "prefer" to fall back to fp32.',
      });
    }
    this.log(`Precision: ${layer} has no ${this.precisions(layer, quantization).join('/')} kernel on this CPU; it runs in fp32`);
    return runnableTactics(`f32_${op}`);
  }

  /**
   * The fp32 tactics a `conv` or `gemm` layer falls back to when none of its candidates takes its
   * shape: only where a per-layer precision other than fp32 is a preference (precisionConstraints
   * `prefer`); under `obey`, and for the model's own Q/DQ, there is no fallback.
   */
  fallback(op: 'conv' | 'gemm', layer: string, quantization: LayerQuantization | undefined): string[] | undefined {
    if (quantization?.explicit || this.config.precisionConstraints !== 'prefer') return undefined;
    const requested = this.config.layerPrecisions[layer];
    return requested === undefined || requested === 'fp32' ? undefined : runnableTactics(`f32_${op}`);
  }

  /**
   * Tactic ids for a MatMul of two activations when a reduced precision has a kernel for it
   * (bf16_matmul where bf16 may run; there are no fp16 or int8 ones), the fp32 ones last, and
   * the precisions they span (the timing-cache key); undefined when only fp32 applies, so fp32
   * layers keep their family's tactics and signature. Per-layer constraints apply as to GEMMs.
   */
  matmulCandidates(layer: string): { candidates: string[]; precisions: string } | undefined {
    const requested = this.config.precisionConstraints === 'none' ? undefined : this.config.layerPrecisions[layer];
    if (requested !== undefined) this.used.add(layer);
    const wanted = requested !== undefined ? [requested] : ORDER.filter((precision) => precision === 'fp32' || this.allowed.has(precision));
    const spans = wanted.map((precision) => [precision, precision === 'fp32' ? [] : runnableTactics(`${FAMILY_PREFIX[precision]}_matmul`).filter((tactic) => !tactic.endsWith('__scalar'))] as const);
    const reduced = spans.filter(([, tactics]) => tactics.length > 0);
    if (reduced.length > 0) {
      const precisions = [...reduced.map(([precision]) => precision), ...(requested === undefined || requested === 'fp32' ? ['fp32'] : [])];
      const fp32 = precisions.includes('fp32') ? runnableTactics('f32_matmul') : [];
      return { candidates: [...reduced.flatMap(([, tactics]) => tactics), ...fp32], precisions: precisions.join('+') };
    }
    if (requested !== undefined && requested !== 'fp32') {
      if (this.config.precisionConstraints === 'obey') {
        throw new KilnError('ERR_PRECISION', `Layer "${layer}" must run in ${requested}, but this CPU has no such kernel for it.`, {
          expected: `a ${requested} matmul kernel runnable here (see kernels(); MatMul between two activations has bf16 and fp32 ones)`,
          found: 'none',
          hint: 'Use precisionConstraints "prefer" to fall back to fp32.',
        });
      }
      this.log(`Precision: ${layer} has no ${requested} MatMul kernel on this CPU; it runs in fp32`);
    }
    return undefined;
  }

  /** A key naming the precisions a layer was timed over, for the timing cache. */
  key(layer: string, quantization: LayerQuantization | undefined): string {
    return this.precisions(layer, quantization).join('+');
  }

  precisions(layer: string, quantization: LayerQuantization | undefined): Precision[] {
    if (quantization?.explicit) return ['int8'];
    const usable = (precision: Precision) => precision !== 'int8' || quantization !== undefined;
    const requested = this.config.precisionConstraints === 'none' ? undefined : this.config.layerPrecisions[layer];
    if (requested !== undefined) {
      this.used.add(layer);
      if (usable(requested)) return [requested];
      if (this.config.precisionConstraints === 'obey') {
        throw new KilnError('ERR_PRECISION', `Layer "${layer}" must run in ${requested}, but it has no ${requested} kernel input.`, {
          expected: 'a calibration scale (int8Calibration) or Q/DQ nodes for the layer input',
          found: 'no scale for the layer input',
          hint: 'Calibrate the network, or use precisionConstraints "prefer" to fall back.',
        });
      }
      this.log(`Precision: ${layer} prefers ${requested} but has no calibration scale for its input; using the builder flags`);
    }
    return ORDER.filter((precision) => precision === 'fp32' || (this.allowed.has(precision) && usable(precision)));
  }
}


/** Checks the flags, calibrates when implicit int8 asks for it, and returns the build's precision plan. */
export async function planPrecision(model: Model, config: BuilderConfig, log: (line: string) => void): Promise<PrecisionPlan> {
  const allowed = new Set<Precision>();
  if (config.fp16) allowed.add('fp16');
  if (config.bf16) allowed.add('bf16');
  if (config.int8) allowed.add('int8');
  if (config.stronglyTyped && allowed.size > 0) {
    throw new KilnError('ERR_ARGUMENT', 'A strongly typed network takes its precisions from the model; fp16, bf16 and int8 may not be set.', {
      expected: 'stronglyTyped alone',
      found: `stronglyTyped with ${[...allowed].join(', ')}`,
      hint: 'Drop the precision flags, or build without stronglyTyped.',
    });
  }
  for (const [layer, precision] of Object.entries(config.layerPrecisions)) {
    if (!ORDER.includes(precision)) {
      throw new KilnError('ERR_ARGUMENT', `Unknown precision for layer "${layer}".`, { expected: ORDER.join(', '), found: String(precision) });
    }
  }
  let scales: ReadonlyMap<string, number> = new Map();
  const wantsInt8 = config.int8 || Object.values(config.layerPrecisions).includes('int8');
  if (wantsInt8 && config.int8Calibration) scales = await calibrationScales(model, config.int8Calibration, log);
  else if (config.int8) log('Precision: int8 without int8Calibration: only layers quantized by the model (Q/DQ) run in int8');
  return new PrecisionPlan(allowed, scales, config, log);
}

/**
 * The tensors int8 layers quantize, and those `quantizeModel` needs to write a Q/DQ model from the
 * same cache: the activation inputs and the outputs of Conv, Gemm and MatMul (not every node
 * output: constants such as attention-mask fills hold infinities, which calibration rejects).
 */
export function calibrationTensors(model: Model): string[] {
  const names = new Set<string>();
  for (const node of model.graph.nodes) {
    if (node.op !== 'Conv' && node.op !== 'Gemm' && node.op !== 'MatMul') continue;
    for (const value of [...node.inputs.slice(0, 2), node.outputs[0]]) {
      if (value && !value.isConstant && (value.dtype === undefined || value.dtype === 'float32')) names.add(value.name);
    }
  }
  return [...names];
}

async function calibrationScales(model: Model, options: Int8Calibration, log: (line: string) => void): Promise<ReadonlyMap<string, number>> {
  const { calibrator, loader, cacheFile } = options;
  if (calibrator && loader) {
    const tensors = calibrationTensors(model);
    const result = await calibrate(model, { calibrator, loader: loader as CalibrationLoader, cacheFile, tensors, overwriteIncompatibleCache: true });
    log(`Calibration: ${result.scales.size} tensor scales (${result.source === 'cache' ? `reused ${cacheFile}` : `${calibrator.algorithm}${cacheFile ? `, written to ${cacheFile}` : ''}`})`);
    return result.scales;
  }
  if (cacheFile === undefined) {
    throw new KilnError('ERR_ARGUMENT', 'int8Calibration needs a calibrator and a loader, or an existing calibration cache.', {
      expected: '{ calibrator, loader, cacheFile? } or { cacheFile }',
      found: `calibrator ${calibrator ? 'given' : 'missing'}, loader ${loader ? 'given' : 'missing'}`,
    });
  }
  if (!existsSync(cacheFile)) {
    throw new KilnError('ERR_CALIB_CACHE', 'The calibration cache does not exist, and there is no calibration data to create it.', {
      where: cacheFile,
      expected: 'an existing calibration cache, or int8Calibration.calibrator and .loader',
      found: 'no such file',
      hint: 'Calibrate once with a calibrator and a loader (kiln calibrate, or buildEngine with calibrator.loader).',
    });
  }
  const cache = await readCalibrationCache(cacheFile);
  checkCalibrationCache(cache, { algorithm: calibrator?.algorithm ?? cache.algorithm, model }, cacheFile);
  log(`Calibration: ${cache.scales.size} tensor scales reused from ${cacheFile} (${cache.algorithm})`);
  return cache.scales;
}
