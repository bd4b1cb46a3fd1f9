import { KilnError } from '@kiln/common';
import type { NativeContext } from '@kiln/core-native';
import type { Tensor } from '@kiln/onnx-tools';
import type { Engine, Specialization } from './engine.js';
import { TYPED_ARRAYS, allocate, elementCount } from './internal/engine/dtypes.js';
import { FeedCache } from './internal/engine/feed-cache.js';
import type { NativeSegment } from './internal/engine/segments.js';
import { checkFeed, checkFeedNames } from './internal/engine/tensor-checks.js';

/** One layer's time in a profiled run (see {@link ExecutionContext.setProfiling}). */
export interface LayerProfile {
  /** The layer's name, as in `engine.inspect().layers`. */
  name: string;
  /** Wall time of the layer in milliseconds. */
  ms: number;
}

/** Options of one run. */
export interface RunOptions {
  /** Preallocated outputs by name: Kiln writes into their `data` instead of allocating. */
  outputs?: Record<string, Tensor>;
}

/**
 * Runs inferences of one engine. Each context owns its activation memory, so several contexts
 * of one engine run concurrently; a context runs one inference at a time (a second `run` while
 * one is in flight is rejected with ERR_CONTEXT_BUSY).
 *
 * @example
 * ```ts
 * const context = engine.createExecutionContext();
 * const { output } = await context.run({ input: { type: 'float32', dims: [1, 3, 224, 224], data } });
 * ```
 */
export class ExecutionContext {
  private profile = 0;
  private readonly shapes = new Map<string, number[]>();
  private readonly natives = new WeakMap<Specialization, NativeContext[]>();
  private running = false;
  private profiling = false;
  private lastLayerTimes: LayerProfile[] | undefined;
  private readonly feedCache: FeedCache<Specialization>;
  private readonly outputSlots = new WeakMap<NativeSegment, OutputSlot[]>();
  private readonly nativeProfiling = new WeakMap<NativeContext, boolean>();

  /** @internal Use `engine.createExecutionContext()`. */
  constructor(readonly engine: Engine) {
    this.feedCache = new FeedCache(engine.header.inputs);
  }

  /**
   * Select the optimization profile whose ranges the next input shapes must fall in.
   *
   * @example
   * ```ts
   * context.setOptimizationProfile(1);
   * ```
   */
  setOptimizationProfile(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.engine.numOptimizationProfiles) {
      throw new KilnError('ERR_ARGUMENT', `There is no optimization profile ${index}.`, {
        expected: `0..${this.engine.numOptimizationProfiles - 1}`,
        found: String(index),
      });
    }
    this.profile = index;
  }

  /**
   * Fix an input's shape for the following runs (checked against the profile now, so errors come
   * early). Feeds must then have these dims. Optional: by default each run takes the feeds' dims.
   *
   * @example
   * ```ts
   * context.setInputShape('input_ids', [2, 64]);
   * ```
   */
  setInputShape(name: string, dims: readonly number[]): void {
    checkFeedNames([name], this.engine.header.inputs);
    const next = new Map(this.resolvedShapes());
    next.set(name, [...dims]);
    const complete = this.engine.header.inputs.every((io) => next.has(io.name));
    if (complete) this.engine.shapeFunctions.bindInputs(next, this.profile);
    this.shapes.set(name, [...dims]);
    this.feedCache.clear();
  }

  /**
   * Dims of any tensor (input or output) for the input shapes set so far.
   *
   * @example
   * ```ts
   * context.setInputShape('input', [4, 3, 224, 224]);
   * context.getTensorShape('output'); // [4, 1000]
   * ```
   */
  getTensorShape(name: string): number[] {
    const symbols = this.engine.shapeFunctions.bindInputs(this.resolvedShapes(), this.profile);
    const io = [...this.engine.header.inputs, ...this.engine.header.outputs].find((entry) => entry.name === name);
    if (!io) throw new KilnError('ERR_ARGUMENT', `"${name}" is not an input or output of this engine.`, { found: name });
    return this.engine.specialize(symbols).shapes[io.tensor]!;
  }

  /**
   * Turn per-layer timing on or off for the following runs (TensorRT's profiler). Off by default;
   * when on, each run records every layer's wall time, read with {@link ExecutionContext.lastProfile}.
   *
   * @example
   * ```ts
   * context.setProfiling(true);
   * await context.run(feeds);
   * for (const { name, ms } of context.lastProfile()!) console.log(name, ms.toFixed(3));
   * ```
   */
  setProfiling(enabled: boolean): void {
    this.profiling = enabled;
  }

  /**
   * Per-layer times of the last run made with profiling on, in the order of
   * `engine.inspect().layers`; `undefined` before such a run.
   *
   * @example
   * ```ts
   * const slowest = [...context.lastProfile()!].sort((a, b) => b.ms - a.ms)[0];
   * ```
   */
  lastProfile(): LayerProfile[] | undefined {
    return this.lastLayerTimes?.map((entry) => ({ ...entry }));
  }

  /**
   * Run one inference as one native job off the main thread (plus reference layers, if the plan
   * has any). Inputs are checked (names, dtypes, shapes, profile) before any native work.
   *
   * @example
   * ```ts
   * const outputs = await context.run({ input });
   * console.log(outputs.output.dims);
   * ```
   */
  async run(feeds: Record<string, Tensor>, options: RunOptions = {}): Promise<Record<string, Tensor>> {
    const { specialization, values } = this.prepare(feeds);
    this.running = true;
    try {
      const natives = this.nativeContexts(specialization);
      const times = this.profiling ? new Float64Array(this.engine.header.layers.length) : undefined;
      for (const [index, segment] of specialization.segments.entries()) {
        if (segment.kind === 'reference') {
          const started = performance.now();
          await this.engine.reference.run(segment.layer, values);
          if (times) times[segment.layer] = performance.now() - started;
          continue;
        }
        const outputs = this.outputBuffers(segment, specialization, options, values);
        this.setNativeProfiling(natives[index]!, times !== undefined);
        await natives[index]!.run(segment.inputs.map((tensor) => values.get(tensor)!.data as ArrayBufferView), outputs);
        if (times) this.readProfile(natives[index]!, segment.layers, times);
      }
      if (times) this.lastLayerTimes = this.engine.header.layers.map((layer, index) => ({ name: layer.name, ms: times[index]! }));
      return this.collect(values);
    } finally {
      this.running = false;
    }
  }

  /**
   * The same as {@link ExecutionContext.run} on the calling thread, for callers already on a
   * worker thread. Plans with reference (fallback) layers need the async `run`.
   *
   * @example
   * ```ts
   * const outputs = context.runSync({ input });
   * ```
   */
  runSync(feeds: Record<string, Tensor>, options: RunOptions = {}): Record<string, Tensor> {
    const { specialization, values } = this.prepare(feeds);
    if (specialization.segments.some((segment) => segment.kind === 'reference')) {
      throw new KilnError('ERR_SYNC_UNSUPPORTED', 'This plan has reference (fallback) layers, which run only asynchronously.', {
        hint: 'Use await context.run(feeds).',
      });
    }
    this.running = true;
    try {
      const natives = this.nativeContexts(specialization);
      const times = this.profiling ? new Float64Array(this.engine.header.layers.length) : undefined;
      for (const [index, segment] of specialization.segments.entries()) {
        if (segment.kind !== 'native') continue;
        const outputs = this.outputBuffers(segment, specialization, options, values);
        this.setNativeProfiling(natives[index]!, times !== undefined);
        natives[index]!.runSync(segment.inputs.map((tensor) => values.get(tensor)!.data as ArrayBufferView), outputs);
        if (times) this.readProfile(natives[index]!, segment.layers, times);
      }
      if (times) this.lastLayerTimes = this.engine.header.layers.map((layer, index) => ({ name: layer.name, ms: times[index]! }));
      return this.collect(values);
    } finally {
      this.running = false;
    }
  }

  private setNativeProfiling(native: NativeContext, enabled: boolean): void {
    if (this.nativeProfiling.get(native) === enabled) return;
    native.setProfiling(enabled);
    this.nativeProfiling.set(native, enabled);
  }

  private readProfile(native: NativeContext, layers: readonly number[], times: Float64Array): void {
    const measured = native.lastProfile();
    if (measured) layers.forEach((layer, position) => (times[layer] = measured[position] ?? 0));
  }

  private resolvedShapes(): Map<string, number[]> {
    return new Map(this.shapes);
  }

  private prepare(feeds: Record<string, Tensor>): { specialization: Specialization; values: Map<number, Tensor> } {
    if (this.running) {
      throw new KilnError('ERR_CONTEXT_BUSY', 'This execution context is already running an inference.', {
        hint: 'Await the previous run, or create one context per concurrent inference with engine.createExecutionContext().',
      });
    }
    if (typeof feeds !== 'object' || feeds === null) throw new KilnError('ERR_INPUT', 'Feeds must be an object of tensors by input name.', { found: typeof feeds });
    const known = this.feedCache.match(feeds, this.profile);
    if (known) {
      this.addHostWeights(known.specialization, known.values);
      return known;
    }
    const header = this.engine.header;
    checkFeedNames(Object.keys(feeds), header.inputs);
    const values = new Map<number, Tensor>();
    const shapes = new Map<string, number[]>();
    for (const io of header.inputs) {
      const feed = checkFeed(io, feeds[io.name] ?? missing(io.name));
      const fixed = this.shapes.get(io.name);
      if (fixed && (fixed.length !== feed.dims.length || fixed.some((dim, axis) => dim !== feed.dims[axis]))) {
        throw new KilnError('ERR_INPUT_SHAPE', `Feed for "${io.name}" does not have the shape set with setInputShape.`, {
          expected: `[${fixed.join(', ')}]`,
          found: `[${feed.dims.join(', ')}]`,
          hint: 'Call setInputShape again with the new dims, or feed data of the set shape.',
        });
      }
      shapes.set(io.name, [...feed.dims]);
      values.set(io.tensor, feed);
    }
    const symbols = this.engine.shapeFunctions.bindInputs(shapes, this.profile);
    const specialization = this.engine.specialize(symbols);
    this.feedCache.remember(header.inputs.map((io) => shapes.get(io.name)!), this.profile, specialization);
    this.addHostWeights(specialization, values);
    return { specialization, values };
  }

  // Native segments read weights in place; only reference layers and constant outputs need
  // them as JS tensors (decoded once per engine).
  private addHostWeights(specialization: Specialization, values: Map<number, Tensor>): void {
    for (const index of this.engine.hostWeights) values.set(index, this.engine.weightTensor(index, specialization.shapes[index]!));
  }

  private nativeContexts(specialization: Specialization): NativeContext[] {
    let contexts = this.natives.get(specialization);
    if (!contexts) {
      contexts = specialization.segments.map((segment) => (segment.kind === 'native' ? segment.engine.createContext() : (undefined as unknown as NativeContext)));
      this.natives.set(specialization, contexts);
    }
    return contexts;
  }

  // Allocates (or takes from options.outputs) every output slot of a native segment.
  private outputBuffers(segment: NativeSegment, specialization: Specialization, options: RunOptions, values: Map<number, Tensor>): ArrayBufferView[] {
    const slots = this.slotsOf(segment, specialization);
    const buffers: ArrayBufferView[] = new Array(slots.length);
    for (let position = 0; position < slots.length; position++) {
      const slot = slots[position]!;
      const given = slot.name === undefined ? undefined : options.outputs?.[slot.name];
      let data: ArrayBufferView;
      if (given) {
        if (given.type !== slot.dtype || (slot.make && !(given.data instanceof slot.make)) || (given.data as { length: number }).length !== slot.count) {
          throw new KilnError('ERR_OUTPUT_BINDING', `Preallocated output "${slot.name}" does not fit.`, {
            expected: `${slot.dtype} with ${slot.count} elements (dims [${slot.dims.join(', ')}])`,
            found: `${given.type} with ${(given.data as { length: number }).length} elements`,
          });
        }
        data = given.data as ArrayBufferView;
      } else {
        data = allocate(slot.dtype, slot.count);
      }
      values.set(slot.tensor, { type: slot.dtype, dims: slot.dims, data } as unknown as Tensor);
      buffers[position] = data;
    }
    return buffers;
  }

  private slotsOf(segment: NativeSegment, specialization: Specialization): OutputSlot[] {
    let slots = this.outputSlots.get(segment);
    if (!slots) {
      const header = this.engine.header;
      const names = new Map(header.outputs.map((io) => [io.tensor, io.name]));
      slots = segment.outputs.map((tensor) => {
        const dtype = header.tensors[tensor]!.dtype;
        const dims = specialization.shapes[tensor]!;
        return { tensor, name: names.get(tensor), dtype, make: TYPED_ARRAYS[dtype], dims, count: elementCount(dims) };
      });
      this.outputSlots.set(segment, slots);
    }
    return slots;
  }

  private collect(values: Map<number, Tensor>): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const io of this.engine.header.outputs) {
      const value = values.get(io.tensor);
      if (!value) throw new KilnError('ERR_INTERNAL', `Output "${io.name}" was not produced.`, { hint: 'This is a Kiln bug; please report it with the plan.' });
      // A constant output is the engine's shared copy: hand the caller its own.
      const data = this.engine.header.tensors[io.tensor]!.location === 'weights' ? (value.data as Float32Array).slice() : value.data;
      result[io.name] = { type: value.type, dims: [...value.dims], data } as Tensor;
    }
    return result;
  }
}

/** One output slot of a native segment, resolved once per specialization. */
interface OutputSlot {
  tensor: number;
  /** The engine output's name, when the slot is one. */
  name: string | undefined;
  dtype: string;
  make: (typeof TYPED_ARRAYS)[string] | undefined;
  dims: number[];
  count: number;
}

function missing(name: string): never {
  throw new KilnError('ERR_INPUT', `Missing input "${name}".`, { expected: `a tensor for "${name}"`, found: 'nothing', hint: 'Pass every input of the engine in the feeds.' });
}
