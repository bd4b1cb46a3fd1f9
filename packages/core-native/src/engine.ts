import { readFlag } from '@kiln/common';
import { callNative, fromNative } from './internal/errors.js';
import { loadAddon } from './internal/load-addon.js';
import type { RawContext, RawEngine } from './internal/native-types.js';
import type { EngineDescription, NativeProgram } from './internal/types.js';

/** Options of {@link createEngine}. */
export interface CreateEngineOptions {
  /**
   * Copy the weights into native 64-byte-aligned memory instead of referencing the caller's buffer
   * (then the buffer may be transferred or reused). Unaligned weights are always copied.
   */
  copyWeights?: boolean;
}

/**
 * One execution context: its own activation arena, one inference at a time. Create one per
 * concurrent stream; all contexts of an engine share its weights.
 */
export class NativeContext {
  /** @internal */
  constructor(private readonly raw: RawContext) {}

  /**
   * Runs the whole program as ONE native job off the main thread: checks every binding (count,
   * dtype, byte length), runs every layer on the thread pool, then resolves. The typed arrays stay
   * referenced until it settles. Rejects with `ERR_BINDING_INVALID`, `ERR_CONTEXT_BUSY` (a run is
   * already in flight on this context) or a kernel's data error (e.g. `ERR_INDEX_OUT_OF_RANGE`).
   *
   * @example
   * ```ts
   * const out = new Float32Array(4);
   * await context.run([new Float32Array([1, 2, 3, 4])], [out]);
   * ```
   */
  async run(inputs: ArrayBufferView[], outputs: ArrayBufferView[]): Promise<void> {
    try {
      await this.raw.run(inputs, outputs);
    } catch (error) {
      // Made here, after the await: V8's async stack frames name the awaiting callers. Capturing a
      // stack before every run instead cost about 24 us right after an inference (cold caches).
      throw fromNative(error);
    }
  }

  /**
   * The same as {@link NativeContext.run} but on the calling thread (for callers already on a
   * worker thread). Throws instead of rejecting.
   *
   * @example
   * ```ts
   * context.runSync([input], [output]);
   * ```
   */
  runSync(inputs: ArrayBufferView[], outputs: ArrayBufferView[]): void {
    callNative(() => this.raw.runSync(inputs, outputs));
  }

  /**
   * Turns per-layer profiling on or off for the following runs of this context. When on, every
   * run (async or sync) records each layer's wall time; read it with
   * {@link NativeContext.lastProfile}. Off (the default) costs nothing measurable: one branch per
   * run, no clock reads.
   *
   * @example
   * ```ts
   * context.setProfiling(true);
   * await context.run(inputs, outputs);
   * const ms = context.lastProfile()!; // ms[i] = layer i, in program order
   * ```
   */
  setProfiling(enabled: boolean): void {
    this.raw.setProfiling(enabled);
  }

  /**
   * Milliseconds per layer (program order, one entry per layer, a new array each call) of the
   * last run made while profiling was on, or `undefined` if there was none. Throws
   * `ERR_CONTEXT_BUSY` while a run is in flight.
   *
   * @example
   * ```ts
   * context.setProfiling(true);
   * context.runSync(inputs, outputs);
   * context.lastProfile()?.forEach((ms, layer) => console.log(layer, ms.toFixed(3)));
   * ```
   */
  lastProfile(): Float64Array | undefined {
    return callNative(() => this.raw.lastProfile());
  }

  /**
   * Whether a run is in flight on this context.
   *
   * @example
   * ```ts
   * if (!context.busy) await context.run(inputs, outputs);
   * ```
   */
  get busy(): boolean {
    return this.raw.busy();
  }
}

/** A validated program with its kernels resolved, and the weights all its contexts share. */
export class NativeEngine {
  /** @internal */
  constructor(private readonly raw: RawEngine) {}

  /**
   * Creates an execution context owning an arena of `program.arenaBytes` bytes.
   *
   * @example
   * ```ts
   * const contexts = Array.from({ length: 4 }, () => engine.createContext());
   * ```
   */
  createContext(): NativeContext {
    return new NativeContext(callNative(() => this.raw.createContext()));
  }

  /**
   * What the engine resolved: the tactic id each layer runs, arena size and binding counts.
   *
   * @example
   * ```ts
   * console.log(engine.describe().tactics); // ['f32_vbinary_add__avx512', 'f32_softmax__avx512']
   * ```
   */
  describe(): EngineDescription {
    return this.raw.describe();
  }
}

/**
 * Validates a compiled layer program and builds an engine from it. Every index, offset, size,
 * dtype, param and kernel id is checked here: a malformed program throws a KilnError
 * (`ERR_PROGRAM_INVALID`, or `ERR_KERNEL_UNAVAILABLE` when the CPU or KILN_MAX_ISA cannot run a
 * requested variant), never crashes. Cheap enough to call once per input-shape specialization.
 *
 * @example
 * ```ts
 * import { createEngine } from '@kiln/core-native';
 * const engine = createEngine({
 *   arenaBytes: 0,
 *   tensors: [
 *     { dtype: 'float32', shape: [2, 3], location: 'input', slot: 0 },
 *     { dtype: 'float32', shape: [3], location: 'weights', offset: 0 },
 *     { dtype: 'float32', shape: [2, 3], location: 'output', slot: 0 },
 *   ],
 *   layers: [{ kernel: 'f32_vbinary_add', inputs: [0, 1], outputs: [2], epilogue: [{ op: 'Relu' }] }],
 * }, new Float32Array([1, -2, 3]));
 * const out = new Float32Array(6);
 * await engine.createContext().run([new Float32Array(6)], [out]);
 * ```
 */
export function createEngine(
  program: NativeProgram,
  weights?: ArrayBuffer | ArrayBufferView,
  options: CreateEngineOptions = {},
): NativeEngine {
  const addon = loadAddon();
  const engine = new NativeEngine(callNative(() => addon.createEngine(program, weights, options.copyWeights === true)));
  if (readFlag('KILN_VERBOSE')) {
    engine.describe().tactics.forEach((tactic, i) => process.stderr.write(`[kiln] layer ${i}: ${tactic}\n`));
  }
  return engine;
}
