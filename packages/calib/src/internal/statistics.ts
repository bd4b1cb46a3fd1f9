// Collecting activation statistics with the reference evaluator.
import { KilnError } from '@kiln/common';
import { Constant, evaluate, type Model, type Tensor } from '@kiln/onnx-tools';
import { AbsHistogram } from './histogram.js';
import { asAsyncIterable, checkBatch, emptyLoaderError, modelInputs } from './loader.js';

/**
 * Statistics of one float32 tensor over every calibration batch.
 *
 * @example
 * ```ts
 * const stats = (await collectStatistics(model, batches())).get('conv1_out');
 * console.log(stats?.min, stats?.max, stats?.histogram.binWidth);
 * ```
 */
export interface TensorStatistics {
  name: string;
  /** Smallest value seen. */
  min: number;
  /** Largest value seen. */
  max: number;
  /** Largest |x| seen (`max(-min, max)`). */
  absMax: number;
  /** Number of values seen. */
  count: number;
  /** The |x| histogram (2048 bins). */
  histogram: AbsHistogram;
}

/**
 * Options of {@link collectStatistics}.
 *
 * @example
 * ```ts
 * await collectStatistics(model, batches(), { tensors: ['input', 'conv1_out'], maxBatches: 32 });
 * ```
 */
export interface CollectOptions {
  /** Tensors to observe (default: every float32 graph input and node output of the main graph). */
  tensors?: readonly string[];
  /** Stop after this many batches (default: all). */
  maxBatches?: number;
  /** Called after each batch with its index (progress reporting). */
  onBatch?: (index: number) => void;
}

/** The tensors observed by default: float32 (or untyped) graph inputs and every node output. */
function defaultTensors(model: Model): string[] {
  const names: string[] = [];
  for (const input of modelInputs(model)) if (input.dtype === undefined || input.dtype === 'float32') names.push(input.name);
  for (const node of model.graph.nodes) for (const output of node.outputs) if (output && !names.includes(output.name)) names.push(output.name);
  return names;
}

function checkRequested(model: Model, names: readonly string[]): void {
  const tensors = model.graph.tensors();
  for (const name of names) {
    const value = tensors.get(name);
    if (value === undefined || value instanceof Constant) {
      throw new KilnError('ERR_CALIB_TENSOR', `Cannot observe '${name}': ${value ? 'it is a constant (weights are not calibrated)' : 'no such tensor in the main graph'}`, {
        where: 'options.tensors',
        expected: 'names of graph inputs or node outputs',
        found: `'${name}'`,
        hint: 'list activation tensors only; see model.graph.nodes[i].outputs',
      });
    }
    if (value.dtype !== undefined && value.dtype !== 'float32') {
      throw new KilnError('ERR_CALIB_TENSOR', `Cannot observe '${name}': only float32 tensors are calibrated`, { where: 'options.tensors', expected: 'float32', found: value.dtype });
    }
  }
}

/**
 * Run every batch through the reference evaluator and accumulate, per observed float32
 * tensor, min, max, |x| max and the |x| histogram. Non-float32 tensors in the default list
 * are skipped; a NaN or infinity is `ERR_CALIB_NONFINITE`.
 */
export async function collectStatistics(model: Model, loader: unknown, options: CollectOptions = {}): Promise<Map<string, TensorStatistics>> {
  const explicit = options.tensors !== undefined;
  const wanted = options.tensors ?? defaultTensors(model);
  if (explicit) checkRequested(model, wanted);
  const inputNames = new Set(modelInputs(model).map((input) => input.name));
  const evaluated = wanted.filter((name) => !inputNames.has(name));
  const statistics = new Map<string, TensorStatistics>();
  const skipped = new Set<string>();
  let index = 0;
  for await (const batch of asAsyncIterable(loader)) {
    if (options.maxBatches !== undefined && index >= options.maxBatches) break;
    checkBatch(model, batch, index);
    const results = evaluated.length > 0 ? await evaluate(model, batch, { outputs: evaluated }) : {};
    for (const name of wanted) {
      const tensor: Tensor | undefined = inputNames.has(name) ? batch[name] : results[name];
      if (tensor === undefined || skipped.has(name)) continue;
      if (tensor.type !== 'float32') {
        if (explicit) throw new KilnError('ERR_CALIB_TENSOR', `'${name}' evaluated to ${tensor.type}, not float32`, { where: `batch ${index}, tensor '${name}'`, expected: 'float32', found: tensor.type });
        skipped.add(name);
        continue;
      }
      observe(statistics, name, tensor.data as Float32Array, index);
    }
    options.onBatch?.(index);
    index++;
  }
  if (index === 0) throw emptyLoaderError();
  return statistics;
}

function observe(statistics: Map<string, TensorStatistics>, name: string, data: Float32Array, batchIndex: number): void {
  let entry = statistics.get(name);
  if (entry === undefined) {
    entry = { name, min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, absMax: 0, count: 0, histogram: new AbsHistogram() };
    statistics.set(name, entry);
  }
  let min = entry.min;
  let max = entry.max;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      throw new KilnError('ERR_CALIB_NONFINITE', `Tensor '${name}' holds ${v} in calibration batch ${batchIndex}`, {
        where: `batch ${batchIndex}, tensor '${name}', element ${i}`,
        expected: 'finite values',
        found: String(v),
        hint: 'check the preprocessing of this batch; NaN or infinity makes a scale meaningless',
      });
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (data.length === 0) return;
  entry.min = min;
  entry.max = max;
  entry.absMax = Math.max(entry.absMax, Math.abs(min), Math.abs(max));
  entry.count += data.length;
  entry.histogram.add(data);
}
