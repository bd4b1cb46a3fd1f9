import { KilnError } from '@kiln/common';
import { alignedBytes, cpuFeatures, setThreads, version } from '@kiln/core-native';
import { Engine } from './engine.js';
import { decodePlan } from './internal/plan/format.js';
import { checkHardware, checkHeaderBase, checkVersions } from './internal/plan/header.js';
import { checkPlanHeader } from './internal/plan/schema.js';

/** Options of a {@link Runtime}. */
export interface RuntimeOptions {
  /**
   * Intra-op threads for every engine of the process (the native thread pool is shared; see
   * @kiln/core-native's README for the policy). Default: available cores, or KILN_THREADS.
   */
  threads?: number;
}

/**
 * Loads plan files into engines (TensorRT's `IRuntime`).
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * import { Runtime } from '@kiln/runtime';
 *
 * const runtime = new Runtime({ threads: 2 });
 * const engine = runtime.deserializeEngine(readFileSync('mobilenet_v2.plan'));
 * const context = engine.createExecutionContext();
 * const { output } = await context.run({ input: { type: 'float32', dims: [1, 3, 224, 224], data: new Float32Array(150528) } });
 * ```
 */
export class Runtime {
  constructor(options: RuntimeOptions = {}) {
    if (options.threads !== undefined) {
      if (!Number.isInteger(options.threads) || options.threads < 1) {
        throw new KilnError('ERR_ARGUMENT', 'threads must be a positive integer.', { expected: '1, 2, ...', found: String(options.threads) });
      }
      setThreads(options.threads);
    }
  }

  /**
   * Validate and load a plan. The plan is checked before use: magic, format version, exact Kiln
   * version (ERR_PLAN_VERSION), CPU features its tactics need (ERR_PLAN_HARDWARE), checksum and
   * every offset, size and index (ERR_PLAN_CORRUPT). The weights stay a view of `bytes` when they
   * sit on a 64-byte boundary in memory (keep the buffer unchanged while the engine lives);
   * otherwise they are copied once into aligned memory that every specialization shares.
   *
   * @example
   * ```ts
   * const engine = new Runtime().deserializeEngine(readFileSync('model.plan'));
   * ```
   */
  deserializeEngine(bytes: Uint8Array): Engine {
    const parts = decodePlan(bytes);
    checkVersions(parts.formatVersion, parts.header, version());
    const base = checkHeaderBase(parts.header, parts.weights.length);
    checkHardware(base.target, cpuFeatures() as unknown as Record<string, boolean>);
    return new Engine(checkPlanHeader(base), alignedBytes(parts.weights));
  }
}
