import { KilnError } from '@kiln/common';
import { type NativeProgram, type NativeTensor, createEngine } from '@kiln/core-native';
import { Constant, type Value } from '@kiln/onnx-tools';
import { compileDim } from '@kiln/runtime';
import { referenceLayer } from '../lower/reference.js';
import { ELEMENT_BYTES, layoutWeights } from '../plan/write-plan.js';
import type { LoweredLayer } from '../lower/types.js';
import { runnableTactics } from './runnable.js';
import type { TimingCache } from './timing-cache.js';

/** What tactic selection needs to know about the build. */
export interface SelectionOptions {
  /** Builder optimization level: 0 = heuristic only; higher levels time more candidates. */
  level: number;
  /** Symbol values at the profile's opt shapes (the shapes tactics are timed at). */
  optSymbols: ReadonlyMap<string, number>;
  cache: TimingCache | undefined;
  log: (line: string) => void;
  /** Called before each layer (`done` layers finished of `total`) and once when all are done. */
  progress?: (done: number, total: number, layer?: string) => void;
}

/** Tactic ids a layer may run, best first by heuristic (variant lists are fastest-first, higher ISA first). */
export function candidatesFor(layer: LoweredLayer): string[] {
  return layer.candidates ?? runnableTactics(layer.family);
}

/**
 * Pick each native layer's tactic: by heuristic at level 0, else by timing every applicable
 * candidate on this machine (warm-up, then the minimum of interleaved rounds) at the opt shapes,
 * reusing the timing cache. Candidates whose kernel rejects the layer's shape are skipped.
 */
export function selectTactics(layers: readonly LoweredLayer[], options: SelectionOptions): void {
  let done = 0;
  for (const layer of layers) {
    options.progress?.(done++, layers.length, layer.name);
    if (layer.family === 'reference') continue;
    const candidates = candidatesFor(layer);
    if (candidates.length === 0) {
      throw new KilnError('ERR_NO_TACTIC', `No kernel of family ${layer.family} can run on this CPU for layer "${layer.name}".`, {
        hint: 'Check KILN_MAX_ISA; rebuild @kiln/core-native if kernels are missing.',
      });
    }
    if (options.level === 0 || candidates.length === 1) {
      const tactic = firstApplicable(layer, candidates, options);
      if (tactic === undefined) {
        fallBack(layer, options);
        continue;
      }
      layer.tactic = tactic;
      options.log(`Tactic: ${layer.name} → ${layer.tactic} (heuristic)`);
      continue;
    }
    const signature = signatureOf(layer, options.optSymbols);
    const cached = options.cache?.get(signature);
    if (cached && candidates.includes(cached.tactic)) {
      layer.tactic = cached.tactic;
      layer.timings = cached.candidates;
      const source = options.cache?.timedThisBuild(signature) ? 'timed earlier in this build for the same signature' : 'timing cache';
      options.log(`Tactic: ${layer.name} → ${layer.tactic} (${source}, ${cached.ms.toFixed(4)} ms)`);
      continue;
    }
    const timings = timeTactics(layer, candidates, options.optSymbols, options.level >= 4 ? 15 : 5);
    const ranked = Object.entries(timings).sort((a, b) => a[1] - b[1]);
    if (ranked.length === 0) {
      fallBack(layer, options);
      continue;
    }
    const [best, ms] = preferEarlier(ranked, candidates);
    layer.tactic = best;
    layer.timings = timings;
    options.cache?.set(signature, { tactic: best, ms, candidates: timings });
    options.log(`Tactic: ${layer.name} → ${best} (${ms.toFixed(4)} ms; timed ${ranked.map(([name, time]) => `${name} ${time.toFixed(4)}`).join(', ')})`);
  }
  options.progress?.(layers.length, layers.length);
}

function firstApplicable(layer: LoweredLayer, candidates: string[], options: SelectionOptions): string | undefined {
  for (const tactic of candidates) if (prepareTactic(layer, tactic, options.optSymbols) !== undefined) return tactic;
  return undefined;
}

/** No native tactic takes this layer: it becomes a reference layer of its node (or the build fails). */
function fallBack(layer: LoweredLayer, options: SelectionOptions): void {
  const fallback = layer.fallbackCandidates && firstApplicable(layer, layer.fallbackCandidates, options);
  if (fallback) {
    layer.tactic = fallback;
    options.log(`Tactic: ${layer.name} → ${fallback} (no ${layer.precisions} tactic takes this layer; its precision was only preferred)`);
    return;
  }
  if (!layer.origin) {
    throw new KilnError('ERR_NO_TACTIC', `No tactic applies to layer "${layer.name}".`, {
      found: candidatesFor(layer).join(', '),
      hint: 'Report the model: this layer has no native kernel for its shapes and cannot fall back.',
    });
  }
  Object.assign(layer, referenceLayer(layer.origin, layer.sources), { packed: undefined, params: undefined, epilogue: undefined, candidates: undefined });
  options.log(`Tactic: ${layer.name} → reference (no native tactic applies)`);
}

/** Layer signature for the timing cache: family, params, epilogue and every tensor's dims at opt. */
export function signatureOf(layer: LoweredLayer, symbols: ReadonlyMap<string, number>): string {
  const dims = (value: Value | undefined) => (value === undefined ? '-' : `${value.dtype}[${resolveDims(value, symbols).join('x')}]`);
  const family = layer.precisions ? `${layer.family}@${layer.precisions}` : layer.family;
  return [family, layer.inputs.map(dims).join(','), layer.outputs.map(dims).join(','), JSON.stringify(layer.params ?? []), JSON.stringify(layer.epilogue ?? [])].join('|');
}

export function resolveDims(value: Value, symbols: ReadonlyMap<string, number>): number[] {
  return (value.shape ?? []).map((dim) => (dim === undefined ? 1 : compileDim(dim)(symbols)));
}

/**
 * Minimum milliseconds per run of each candidate that accepts the layer. Candidates run in
 * interleaved rounds (A B C A B C ...) after a warm-up each (in prepareTactic), and the minimum is kept: on a shared
 * machine interference only ever adds time, and a burst of it then hits every candidate alike
 * instead of all the runs of one (a median of consecutive runs once picked an AVX2 kernel over
 * the AVX-512 one that is twice as fast).
 */
function timeTactics(layer: LoweredLayer, candidates: readonly string[], symbols: ReadonlyMap<string, number>, rounds: number): Record<string, number> {
  const runs = new Map<string, () => void>();
  const samples: Samples = new Map();
  for (const tactic of candidates) {
    const run = prepareLayers([[layer, tactic]], symbols, samples);
    if (run !== undefined) runs.set(tactic, run);
  }
  // One untimed run right before timing: preparing the other candidates let the pool's workers
  // fall asleep, and waking them (on a busy machine, a scheduler slice) landed on the first
  // candidate's first timed run, which the 4x cut after round 0 then dropped for good.
  runs.values().next().value?.();
  const best = fastestRuns(runs, rounds, slowCandidates);
  return Object.fromEntries([...runs.keys()].map((tactic) => [tactic, rounds === 0 ? 0 : best.get(tactic)!]));
}

/**
 * The minimum milliseconds of each runner over `rounds` interleaved rounds (A B C A B C ...);
 * after each round, `drop` may name runners that stop being timed (they keep their minimum).
 */
function fastestRuns<K>(runs: ReadonlyMap<K, () => void>, rounds: number, drop?: (best: ReadonlyMap<K, number>, round: number) => K[]): Map<K, number> {
  const best = new Map<K, number>();
  const timed = new Map(runs);
  for (let round = 0; round < rounds; round++) {
    for (const [key, run] of timed) {
      const start = process.hrtime.bigint();
      run();
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      best.set(key, Math.min(best.get(key) ?? Number.POSITIVE_INFINITY, ms));
    }
    for (const key of drop?.(best, round) ?? []) timed.delete(key);
  }
  return best;
}

/**
 * Candidates that stop being timed after `round` (0-based): those whose minimum so far is more
 * than 4x the fastest after the first round, 2x after later ones. Interference only adds time, so
 * a candidate that far behind cannot win (a burst would have to slow it 2-4x in every round while
 * sparing the fastest); the reference and AVX2 kernels of big layers, 5-30x slower than AVX-512,
 * then cost two runs instead of six. Their timings stay reported, as upper bounds.
 */
export function slowCandidates(best: ReadonlyMap<string, number>, round: number): string[] {
  const fastest = Math.min(...best.values());
  const factor = round === 0 ? 4 : 2;
  return [...best].filter(([, ms]) => ms > fastest * factor).map(([tactic]) => tactic);
}

/**
 * The fastest timing, except that a candidate earlier in the heuristic order wins when it is
 * within 3% of it: closer than that is timing noise, and the heuristic's choice is stable across
 * builds.
 */
function preferEarlier(ranked: readonly [string, number][], candidates: readonly string[]): [string, number] {
  const [, fastest] = ranked[0]!;
  const close = ranked.filter(([, ms]) => ms <= fastest * 1.03);
  return close.sort((a, b) => candidates.indexOf(a[0]) - candidates.indexOf(b[0]))[0]!;
}

/** A runner for one candidate on the layer (sample inputs, packed weights), or undefined when the tactic rejects the layer. */
function prepareTactic(layer: LoweredLayer, tactic: string, symbols: ReadonlyMap<string, number>): (() => void) | undefined {
  return prepareLayers([[layer, tactic]], symbols);
}

/**
 * Sample inputs shared by the candidates timed against each other, keyed by binding position,
 * dtype and shape. Each candidate then reads the input the one before it read, warm in cache, as
 * a layer in an engine reads what the layer before it just wrote. With an input per candidate, a
 * 1.5 MiB input (squeezenet1_1's 55x55x128 squeeze conv) came from memory in every timed run: all
 * thirteen candidates timed 0.27-0.34 ms, the slot-wasting 14x32 tile won by noise, and in the
 * engine it ran at 0.23 ms where the 28x16 tile runs at 0.11 ms. Outputs stay one per candidate:
 * an engine writes a layer's output over arena memory last touched a whole run earlier, and with
 * a shared, cache-warm 3 MiB output the stem's 14x32 tile timed fastest (0.42 ms) but ran slowest
 * in the engine (0.62 ms against the 6x64 tile's 0.50 ms).
 */
type Samples = Map<string, ArrayBufferView>;

/**
 * A runner for layers in sequence, each on its tactic, as one program: tensors one layer writes
 * and a later one reads live in the arena between them; the others are bound as in
 * prepareTactic. Undefined when a tactic rejects its layer.
 */
function prepareLayers(steps: readonly (readonly [LoweredLayer, string])[], symbols: ReadonlyMap<string, number>, samples: Samples = new Map()): (() => void) | undefined {
  const blobs: { name: string; bytes: Uint8Array }[] = [];
  const tensors: NativeTensor[] = [];
  const inputs: ArrayBufferView[] = [];
  const outputs: ArrayBufferView[] = [];
  // Weight tensors hold their blob's index until the blobs are laid out (as in the plan).
  const addWeight = (bytes: Uint8Array) => blobs.push({ name: String(blobs.length), bytes }) - 1;
  // uint8 and bfloat16 activations live in the arena only (zeros are as fast to run as data).
  let arenaBytes = 0;
  const inArena = (dtype: string, shape: number[]): NativeTensor => {
    const offset = arenaBytes;
    arenaBytes += Math.ceil((shape.reduce((product, dim) => product * dim, 1) * ELEMENT_BYTES[dtype]!) / 64) * 64;
    return { dtype: dtype as NativeTensor['dtype'], shape, location: 'arena', offset };
  };
  const produced = new Map<Value, number>();
  const readLater = (value: Value, after: number) => steps.slice(after + 1).some(([reader]) => reader.inputs.includes(value));
  const layers: NativeProgram['layers'] = [];
  try {
    steps.forEach(([layer, tactic], index) => {
      const indices: number[] = [];
      for (const [position, value] of layer.inputs.entries()) {
        if (value === undefined) continue;
        if (produced.has(value)) {
          indices.push(produced.get(value)!);
          continue;
        }
        if (layer.packed && position === 1) {
          const packed = layer.packed.pack(tactic);
          tensors.push({ dtype: 'float32', shape: [packed.length / 4], location: 'weights', offset: addWeight(packed) });
        } else if (value instanceof Constant) {
          const data = value.values.data as ArrayBufferView;
          tensors.push({ dtype: value.dtype as NativeTensor['dtype'], shape: [...value.shape], location: 'weights', offset: addWeight(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) });
        } else if (ARENA_ONLY.has(value.dtype!)) {
          tensors.push(inArena(value.dtype!, resolveDims(value, symbols)));
        } else {
          const shape = resolveDims(value, symbols);
          tensors.push({ dtype: value.dtype as NativeTensor['dtype'], shape, location: 'input', slot: inputs.length });
          inputs.push(sharedSample(samples, inputs.length, value.dtype!, shape));
        }
        indices.push(tensors.length - 1);
      }
      const outputIndices = layer.outputs.map((value) => {
        const shape = resolveDims(value, symbols);
        if (ARENA_ONLY.has(value.dtype!) || readLater(value, index)) {
          tensors.push(inArena(value.dtype!, shape));
        } else {
          tensors.push({ dtype: value.dtype as NativeTensor['dtype'], shape, location: 'output', slot: outputs.length });
          outputs.push(sample(value.dtype!, shape));
        }
        produced.set(value, tensors.length - 1);
        return tensors.length - 1;
      });
      layers.push({
        kernel: tactic,
        inputs: indices,
        outputs: outputIndices,
        ...(layer.params ? { params: layer.params.map((param) => (typeof param === 'number' ? param : compileDim(param)(symbols))) } : {}),
        ...(layer.epilogue ? { epilogue: layer.epilogue as NativeProgram['layers'][number]['epilogue'] } : {}),
      });
    });
    const { weights: placed, section: weights } = layoutWeights(blobs);
    for (const tensor of tensors) if (tensor.location === 'weights') tensor.offset = placed[tensor.offset!]!.offset;
    const context = createEngine({ arenaBytes, tensors, layers }, weights).createContext();
    context.runSync(inputs, outputs);
    return () => context.runSync(inputs, outputs);
  } catch (error) {
    if (KilnError.isInstance(error)) return undefined;
    throw error;
  }
}

/**
 * Minimum milliseconds per run of each alternative (layers in sequence on their tactics, one
 * program each), timed in interleaved rounds (A B A B ...) after a warm-up; undefined for an
 * alternative a tactic rejects. For passes that weigh a rewrite against the layers it replaces
 * in one comparison: timing each layer alone adds a call and a pool wake-up per layer.
 */
export function timeAlternatives(alternatives: readonly (readonly (readonly [LoweredLayer, string])[])[], symbols: ReadonlyMap<string, number>, rounds = 10): (number | undefined)[] {
  const runs = new Map<number, () => void>();
  const samples: Samples = new Map();
  alternatives.forEach((steps, i) => {
    const run = prepareLayers(steps, symbols, samples);
    if (run) runs.set(i, run);
  });
  const best = fastestRuns(runs, rounds);
  return alternatives.map((_, i) => (runs.has(i) ? (best.get(i) ?? Number.POSITIVE_INFINITY) : undefined));
}

/** Element types that only live in the arena (narrow activations between reduced-precision layers). */
const ARENA_ONLY = new Set(['uint8', 'bfloat16']);

/**
 * Minimum milliseconds per run of `tactic` on the layer as it is now (its tensors' dtypes
 * included: uint8/bfloat16 activations are timed in the arena), or undefined when the tactic
 * rejects the layer. For passes that change a layer's form after tactic selection.
 */
export function timeTactic(layer: LoweredLayer, tactic: string, symbols: ReadonlyMap<string, number>, rounds = 5): number | undefined {
  return timeTactics(layer, [tactic], symbols, rounds)[tactic];
}

/** The sample for input binding `slot` of this dtype and shape, made once per `samples`. */
function sharedSample(samples: Samples, slot: number, dtype: string, shape: number[]): ArrayBufferView {
  const key = `${slot}:${dtype}[${shape.join('x')}]`;
  let data = samples.get(key);
  if (data === undefined) {
    data = sample(dtype, shape);
    samples.set(key, data);
  }
  return data;
}

/** Deterministic sample data: small values (indices stay 0 so gathers are in range). */
function sample(dtype: string, shape: number[]): ArrayBufferView {
  const count = shape.reduce((product, dim) => product * dim, 1);
  switch (dtype) {
    case 'float32':
      return Float32Array.from({ length: count }, (_, i) => ((i * 7919) % 97) / 97 - 0.5);
    case 'int64':
      return new BigInt64Array(count);
    case 'int32':
      return new Int32Array(count);
    default:
      return new Uint8Array(count);
  }
}
