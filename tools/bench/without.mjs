// `pnpm bench:levers --without=PASS,PASS`: what named builder passes buy. Each case is built twice
// at builder optimization level 0 (heuristic tactics, so only the passes differ): as is, and with
// KILN_DISABLE_PASSES set to the list; both engines run interleaved on the same inputs at the
// given thread count (bf16: both built with bf16 allowed). Reports layers, arena peak, activation
// total, and the minimum, 10th percentile and median latency.
import { buildEngine } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import { makeInputs } from './cases.mjs';
import { median } from './measure.mjs';

export async function measureWithout(cases, passes, { iterations, threads, bf16 = false }) {
  const runtime = new Runtime({ threads });
  const results = [];
  for (const benchCase of cases) {
    const engines = {};
    for (const variant of ['with', 'without']) {
      // The flag registry reads the environment at build time; the builder has no option for it.
      if (variant === 'without') process.env.KILN_DISABLE_PASSES = passes;
      else delete process.env.KILN_DISABLE_PASSES;
      engines[variant] = runtime.deserializeEngine(await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, builderOptimizationLevel: 0, bf16 }));
    }
    delete process.env.KILN_DISABLE_PASSES;
    const feeds = makeInputs(benchCase.model, benchCase.shapes);
    const contexts = { with: engines.with.createExecutionContext(), without: engines.without.createExecutionContext() };
    const times = { with: [], without: [] };
    for (let i = 0; i < 5; i++) for (const variant of ['with', 'without']) await contexts[variant].run(feeds);
    for (let i = 0; i < iterations; i++) {
      for (const variant of ['with', 'without']) {
        const start = performance.now();
        await contexts[variant].run(feeds);
        times[variant].push(performance.now() - start);
      }
    }
    const info = { with: engines.with.inspect(), without: engines.without.inspect() };
    results.push({
      case: benchCase.name,
      layers: { with: info.with.layers.length, without: info.without.layers.length },
      arenaBytes: { with: info.with.arenaBytes, without: info.without.arenaBytes },
      activationBytes: { with: info.with.activationBytes, without: info.without.activationBytes },
      ms: { with: median(times.with), without: median(times.without) },
      minMs: { with: Math.min(...times.with), without: Math.min(...times.without) },
      p10Ms: { with: quantile(times.with, 0.1), without: quantile(times.without, 0.1) },
    });
  }
  return results;
}

function quantile(values, q) {
  return [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
}

export function printWithout(results, passes) {
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);
  console.log(`| case | layers without → with | arena MiB without → with | all activations MiB without → with | ms without ${passes} | ms with | speed-up | min ms without → with | p10 ms without → with |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(`| ${r.case} | ${r.layers.without} → ${r.layers.with} | ${mib(r.arenaBytes.without)} → ${mib(r.arenaBytes.with)} | ${mib(r.activationBytes.without)} → ${mib(r.activationBytes.with)} | ${r.ms.without.toFixed(3)} | ${r.ms.with.toFixed(3)} | ${(r.ms.without / r.ms.with).toFixed(3)}x | ${r.minMs.without.toFixed(3)} → ${r.minMs.with.toFixed(3)} | ${r.p10Ms.without.toFixed(3)} → ${r.p10Ms.with.toFixed(3)} |`);
  }
}
