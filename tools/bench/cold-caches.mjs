#!/usr/bin/env node
// How much does a Kiln engine lose when its run starts with cold caches? For one case, thread
// count and plan: `run()` and `runSync()` medians and the profiler's per-layer medians in three
// modes, each over the same number of runs: alone (back to back), right after an onnxruntime-node
// run of the same model (as `pnpm bench` interleaves them), and right after touching 64 MB (one
// write per cache line, which evicts the engine's weights and activations from every cache level
// of these machines). Then the layers that slowed the most after onnxruntime.
//
//   node tools/bench/cold-caches.mjs [--case='mobilenet_v2 batch 1' | --model=FILE.onnx] [--threads=2]
//     [--iterations=60] [--bf16] [--plan=FILE] [--top=10]
//
// --plan=FILE runs a saved plan (an int8 engine, say) instead of building one from the case.
import fs from 'node:fs';
import { buildEngine } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import { chosenCase, makeInputs, parseArgs } from './cases.mjs';
import { median, ortSession, toOrtFeeds } from './measure.mjs';

const args = parseArgs(process.argv.slice(2));
const threads = Number(args.get('threads') ?? 2);
const iterations = Number(args.get('iterations') ?? 60);
const top = Number(args.get('top') ?? 10);
const benchCase = await chosenCase(args, 'mobilenet_v2 batch 1');

const plan = args.has('plan')
  ? new Uint8Array(fs.readFileSync(String(args.get('plan'))))
  : await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: args.has('bf16') });
const engine = new Runtime({ threads }).deserializeEngine(plan);
const context = engine.createExecutionContext();
const layers = engine.inspect().layers;
const feeds = makeInputs(benchCase.model, benchCase.shapes);
const session = await ortSession(benchCase.file, threads);
const ortFeeds = toOrtFeeds(feeds);
const scratch = new Float32Array(16 << 20);

const modes = {
  alone: async () => {},
  'after onnxruntime': async () => {
    await session.run(ortFeeds);
  },
  'after 64 MB': async () => {
    for (let i = 0; i < scratch.length; i += 16) scratch[i] += 1;
  },
};
for (let i = 0; i < 10; i++) {
  await context.run(feeds);
  await session.run(ortFeeds);
}
const perLayer = {};
console.log(`${benchCase.name}, ${threads} thread(s), ${iterations} runs per mode and call`);
for (const [mode, before] of Object.entries(modes)) {
  const run = [];
  const sync = [];
  for (let i = 0; i < iterations; i++) {
    await before();
    let start = performance.now();
    await context.run(feeds);
    run.push(performance.now() - start);
    await before();
    start = performance.now();
    context.runSync(feeds);
    sync.push(performance.now() - start);
  }
  context.setProfiling(true);
  const profiles = [];
  for (let i = 0; i < iterations; i++) {
    await before();
    context.runSync(feeds);
    profiles.push(context.lastProfile().map((layer) => layer.ms));
  }
  context.setProfiling(false);
  perLayer[mode] = layers.map((_, j) => median(profiles.map((times) => times[j])));
  const sum = perLayer[mode].reduce((a, b) => a + b, 0);
  console.log(`${mode.padEnd(18)} run ${median(run).toFixed(3)}  runSync ${median(sync).toFixed(3)}  per-layer medians summed ${sum.toFixed(3)} ms`);
}
const rows = layers.map((layer, j) => ({ layer, times: Object.values(perLayer).map((times) => times[j]) }));
rows.sort((a, b) => b.times[1] - b.times[0] - (a.times[1] - a.times[0]));
console.log(`\nlayers slowed most after onnxruntime (ms: ${Object.keys(modes).join(' / ')}):`);
for (const { layer, times } of rows.slice(0, top)) {
  console.log(`${times.map((t) => t.toFixed(4)).join(' / ')}  ${layer.tactic}  ${layer.name.slice(0, 70)}`);
}
