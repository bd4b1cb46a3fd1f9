#!/usr/bin/env node
// Depthwise layers of a mobilenet_v2 engine (fp32 and bf16), from the runtime's profiler: each
// layer whose tactic is a depthwise or fused inverted-residual kernel, its fastest time over
// --iterations profiled runs, and the sum over the engine's layers.
//
//   node tools/bench/depthwise.mjs [--threads=1,2] [--iterations=50] [--precisions=fp32,bf16]
//                                  [--savePlans=DIR | --loadPlans=DIR] [--json]
//
// --savePlans writes each built plan (mobilenet_v2-<precision>-<threads>t.plan); --loadPlans runs
// those plans instead of building, so two builds of @kiln/core-native (KILN_NATIVE_PATH) can be
// compared on the same plans, run after run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs } from './cases.mjs';
import { profileLayers } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')).map(([key, value]) => [key, value ?? 'true']));
const threadCounts = (flags.threads ?? '1,2').split(',').map(Number);
const iterations = Number(flags.iterations ?? 50);
const precisions = (flags.precisions ?? 'fp32,bf16').split(',');
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const benchCase = benchCases(shared).find((c) => c.name === 'mobilenet_v2 batch 1');
if (!benchCase) throw new Error(`mobilenet_v2 not found under ${shared}/models`);
const DEPTHWISE = /dwconv|mbconv/;
const rows = [];

for (const threads of threadCounts) {
  const runtime = new Runtime({ threads });
  for (const precision of precisions) {
    const planFile = (dir) => path.join(dir, `mobilenet_v2-${precision}-${threads}t.plan`);
    let plan;
    if (flags.loadPlans) {
      plan = fs.readFileSync(planFile(flags.loadPlans));
    } else {
      plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, ...(precision === 'fp32' ? {} : { [precision]: true }) });
      if (flags.savePlans) {
        fs.mkdirSync(flags.savePlans, { recursive: true });
        fs.writeFileSync(planFile(flags.savePlans), plan);
      }
    }
    const engine = runtime.deserializeEngine(plan);
    const layers = engine.inspect().layers;
    const context = engine.createExecutionContext();
    const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
    for (let i = 0; i < 3; i++) await context.run(feeds);
    const [{ fastest }] = await profileLayers([context], feeds, iterations);
    const total = fastest.reduce((sum, ms) => sum + ms, 0);
    const depthwise = layers.map((layer, j) => ({ name: layer.name, tactic: layer.tactic, ms: fastest[j] })).filter((layer) => DEPTHWISE.test(layer.tactic));
    rows.push({ precision, threads, totalMs: total, depthwiseMs: depthwise.reduce((sum, layer) => sum + layer.ms, 0), layers: depthwise });
  }
}

if (flags.json) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  for (const row of rows) {
    console.log(`mobilenet_v2 ${row.precision}, ${row.threads} thread(s): per-layer sum ${row.totalMs.toFixed(3)} ms, depthwise / mbconv layers ${row.depthwiseMs.toFixed(3)} ms`);
    for (const layer of row.layers) console.log(`  ${layer.ms.toFixed(3)} ms  ${layer.tactic}  ${layer.name}`);
  }
}
