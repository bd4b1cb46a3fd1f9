#!/usr/bin/env node
// `node tools/bench/levers.mjs`: what each optimization lever does on the benchmark models, at one
// thread: fusions that fired (by op pattern), layer and reformat counts, the memory plan (arena
// peak vs the sum of all activations) and tactic choice by timing (level 3) vs the heuristic
// (level 0), both plans timed interleaved on the same inputs.
//
//   node tools/bench/levers.mjs [--filter=REGEX] [--iterations=N] [--json]
//   node tools/bench/levers.mjs --without=fuse-horizontal,eliminate-concats [--threads=N] [--bf16] ...
//     (instead: each case built with and without those passes, timed interleaved; see without.mjs;
//     --bf16 builds bf16 engines)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { load } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs, parseArgs } from './cases.mjs';
import { median } from './measure.mjs';
import { measureWithout, printWithout } from './without.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(here, '../../../shared');
const args = parseArgs(process.argv.slice(2));
const iterations = Number(args.get('iterations') ?? 30);
const filter = typeof args.get('filter') === 'string' ? new RegExp(args.get('filter')) : undefined;

if (typeof args.get('without') === 'string') {
  const cases = benchCases(shared).filter((c) => !filter || filter.test(c.name));
  const results = await measureWithout(cases, args.get('without'), { iterations, threads: Number(args.get('threads') ?? 1), bf16: args.has('bf16') });
  if (args.has('json')) console.log(JSON.stringify(results, null, 2));
  else printWithout(results, args.get('without'));
  process.exit(0);
}

const results = [];
for (const benchCase of benchCases(shared).filter((c) => !filter || filter.test(c.name))) {
  const model = await load(benchCase.file);
  const opOf = new Map(model.graph.nodes.map((node) => [node.name, node.op]));
  const cacheFile = path.join(os.tmpdir(), `kiln-levers-${process.pid}.timing`);
  fs.rmSync(cacheFile, { force: true });
  const runtime = new Runtime({ threads: 1 });
  const plans = {};
  for (const level of [0, 3]) {
    const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads: 1, builderOptimizationLevel: level, timingCacheFile: level === 3 ? cacheFile : undefined });
    plans[level] = runtime.deserializeEngine(plan);
  }
  fs.rmSync(cacheFile, { force: true });
  const info = plans[3].inspect();
  const patterns = {};
  for (const fusion of info.build.fusions ?? []) {
    // A fusion line may end in a note such as "(inverted residual, f32_mbconv_14x32__avx512)".
    const [, names, note] = /^(.*?)(?: \(([^,)]+)[^)]*\))?$/.exec(fusion);
    const kind = names.split(' + ').map((name) => opOf.get(name) ?? '?').join('+') + (note ? ` (${note})` : '');
    patterns[kind] = (patterns[kind] ?? 0) + 1;
  }
  const feeds = makeInputs(benchCase.model, benchCase.shapes);
  const contexts = { 0: plans[0].createExecutionContext(), 3: plans[3].createExecutionContext() };
  const times = { 0: [], 3: [] };
  for (let i = 0; i < 5; i++) for (const level of [0, 3]) await contexts[level].run(feeds);
  for (let i = 0; i < iterations; i++) {
    for (const level of [0, 3]) {
      const start = performance.now();
      await contexts[level].run(feeds);
      times[level].push(performance.now() - start);
    }
  }
  const changed = info.layers.filter((layer, i) => layer.tactic !== plans[0].inspect().layers[i]?.tactic).length;
  results.push({
    case: benchCase.name,
    onnxNodes: model.graph.nodes.length,
    layers: info.layers.length,
    reformats: info.layers.filter((layer) => layer.type === 'Reformat').length,
    referenceLayers: info.layers.filter((layer) => layer.tactic === 'reference').length,
    fusions: patterns,
    arenaBytes: info.arenaBytes,
    activationBytes: info.activationBytes,
    heuristicMs: median(times[0]),
    timedMs: median(times[3]),
    tacticsChangedByTiming: changed,
  });
}

if (args.has('json')) {
  console.log(JSON.stringify(results, null, 2));
} else {
  const mib = (bytes) => (bytes / 2 ** 20).toFixed(2);
  console.log('| case | ONNX nodes → layers | reformats | reference layers | arena / all activations (MiB) | level 0 (heuristic) ms | level 3 (timed) ms | tactics changed by timing |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(`| ${r.case} | ${r.onnxNodes} → ${r.layers} | ${r.reformats} | ${r.referenceLayers} | ${mib(r.arenaBytes)} / ${mib(r.activationBytes)} | ${r.heuristicMs.toFixed(2)} | ${r.timedMs.toFixed(2)} | ${r.tacticsChangedByTiming} of ${r.layers} |`);
  }
  console.log('\nFusions that fired (pattern: count):');
  for (const r of results) console.log(`- ${r.case}: ${Object.entries(r.fusions).map(([kind, count]) => `${kind} ×${count}`).join(', ') || 'none'}`);
}
