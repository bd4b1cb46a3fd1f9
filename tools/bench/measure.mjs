// One benchmark case at one thread count, in this process: Kiln and onnxruntime-node run
// interleaved (A B A B ...) on the same inputs, so machine noise hits both alike.
//
// With settle = 'idle', at 2+ threads, the process first goes idle before every timed run of
// either runtime: onnxruntime's intra-op threads keep spinning for milliseconds after its
// run returns, and on a 2-core machine they would hold one of the cores Kiln's next run needs
// (Kiln's helpers park about 50 us after a run, so ORT's runs never started with Kiln's threads
// spinning). Each run then starts with the other runtime's threads parked, as a request in an
// application would. At one thread neither runtime has intra-op threads that could spin, so runs
// stay back to back (settling would only cool the caches). settle = 'none' (the default) times
// back to back at every thread count. tools/bench/settle-check.mjs times each runtime alone both
// ways: settling costs onnxruntime 3-4% at 2 threads, so it is not the default.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEngine } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { makeInputs } from './cases.mjs';

/** Median (interpolated) of a list of timings. */
export const median = (values) => quantile(values, 0.5);
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const low = Math.floor(rank);
  return sorted[low] + (sorted[Math.ceil(rank)] - sorted[low]) * (rank - low);
}

/**
 * Runs each Kiln execution context `iterations` times with its profiler on, interleaved when there
 * are several (A B A B ...), and gives back per context (same order) `fastest`, each layer's fastest
 * time in ms in layer order, and `runs`, each run's time in ms (profiler on).
 */
export async function profileLayers(contexts, feeds, iterations) {
  const results = contexts.map(() => ({ fastest: [], runs: [] }));
  for (const context of contexts) context.setProfiling(true);
  for (let i = 0; i < iterations; i++) {
    for (const [at, context] of contexts.entries()) {
      const { fastest, runs } = results[at];
      const start = performance.now();
      await context.run(feeds);
      runs.push(performance.now() - start);
      (context.lastProfile() ?? []).forEach((entry, j) => (fastest[j] = Math.min(fastest[j] ?? Infinity, entry.ms)));
    }
  }
  for (const context of contexts) context.setProfiling(false);
  return results;
}

/**
 * Resolves once this process has used under 10% of a core over a 1 ms window (all its threads
 * parked), or after `limitMs`. Returns the milliseconds waited.
 */
export async function settle(limitMs = 50) {
  const start = performance.now();
  while (performance.now() - start < limitMs) {
    const cpu = process.cpuUsage();
    const windowStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1));
    const used = process.cpuUsage(cpu);
    if ((used.user + used.system) / 1000 < 0.1 * (performance.now() - windowStart)) break;
  }
  return performance.now() - start;
}

/**
 * onnxruntime-node as every bench compares with it: graphOptimizationLevel 'all', `threads` intra-op
 * threads, sequential execution.
 *
 * `ortSpin` 'stop' (the default) sets onnxruntime's `session.force_spinning_stop`: its intra-op
 * threads still spin while a run is in progress, but park when the run returns instead of
 * spinning on for about 40 ms. Left spinning, on a 2-core machine they hold a core through the
 * next Kiln run in the same process (Kiln at 2 threads then takes its 1-thread time). The option
 * leaves onnxruntime's own run times unchanged (BENCHMARKS.md); 'keep' restores the spinning.
 */
export function ortSession(file, threads, { ortSpin = 'stop' } = {}) {
  if (!['stop', 'keep'].includes(ortSpin)) throw new Error(`ortSpin must be stop or keep, got ${ortSpin}`);
  const extra = ortSpin === 'stop' ? { session: { force_spinning_stop: '1' } } : {};
  return ort.InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', extra });
}

/** Kiln feeds ({ type, dims, data }) as onnxruntime-node tensors. */
export const toOrtFeeds = (feeds) => Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));

/**
 * How Kiln's inference is called: 'run' (`await context.run()`, on a worker thread off the event
 * loop) or 'runSync' (`context.runSync()`, on the calling thread, as onnxruntime-node's run executes).
 */
export function kilnCall(context, api) {
  if (api === 'run') return (feeds) => context.run(feeds);
  if (api === 'runSync') return async (feeds) => context.runSync(feeds);
  throw new Error(`--api must be run or runSync, got ${api}`);
}

export async function measureCase(benchCase, threads, { iterations, warmUp, settle: settleMode = 'none', ortSpin = 'stop', api = 'run' }) {
  const feeds = makeInputs(benchCase.model, benchCase.shapes);
  const result = { case: benchCase.name, threads };
  const session = await ortSession(benchCase.file, threads, { ortSpin });
  const ortFeeds = toOrtFeeds(feeds);
  let kiln;
  try {
    kiln = kilnCall(await prepareKiln(benchCase, threads, result), api);
  } catch (error) {
    result.kilnError = `${error.code ?? 'ERROR'}: ${String(error.message).split('\n')[0]}`;
  }
  const times = { kiln: [], ort: [] };
  const settled = settleMode === 'idle' && threads > 1 ? settle : async () => 0;
  let settleMs = 0;
  for (let i = 0; i < warmUp; i++) {
    await session.run(ortFeeds);
    if (kiln) await kiln(feeds);
  }
  for (let i = 0; i < iterations; i++) {
    settleMs += await settled();
    let start = performance.now();
    await session.run(ortFeeds);
    times.ort.push(performance.now() - start);
    if (kiln) {
      settleMs += await settled();
      start = performance.now();
      await kiln(feeds);
      times.kiln.push(performance.now() - start);
    }
  }
  result.ortSpin = ortSpin;
  result.api = api;
  result.settle = { mode: threads > 1 ? settleMode : 'none', meanMs: settleMs / (iterations * (kiln ? 2 : 1)) };
  result.ort = { median: median(times.ort), p90: quantile(times.ort, 0.9) };
  if (kiln) {
    result.kiln = { median: median(times.kiln), p90: quantile(times.kiln, 0.9) };
    result.ratio = result.ort.median / result.kiln.median;
  }
  await session.release?.();
  return result;
}

async function prepareKiln(benchCase, threads, result) {
  const cacheFile = path.join(os.tmpdir(), `kiln-bench-${process.pid}-${benchCase.name.replace(/\W+/g, '_')}-${threads}.timing`);
  fs.rmSync(cacheFile, { force: true });
  const options = { shapes: benchCase.shapes, threads, timingCacheFile: cacheFile };
  let start = performance.now();
  await buildEngine(benchCase.file, options);
  result.buildColdMs = performance.now() - start;
  start = performance.now();
  const plan = await buildEngine(benchCase.file, options);
  result.buildCachedMs = performance.now() - start;
  fs.rmSync(cacheFile, { force: true });
  const runtime = new Runtime({ threads });
  const loads = [];
  let context;
  for (let i = 0; i < 5; i++) {
    start = performance.now();
    const engine = runtime.deserializeEngine(plan);
    context = engine.createExecutionContext();
    context.getTensorShape(engine.outputs[0].name);
    loads.push(performance.now() - start);
  }
  result.loadMs = median(loads);
  result.planBytes = plan.length;
  return context;
}
