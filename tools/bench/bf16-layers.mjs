#!/usr/bin/env node
// bf16 plans per layer: builds bf16 engines of mobilenet_v2, squeezenet1_1 (batch 1) and bert_mini
// (seq 128), prints each cold build time (wall and process CPU) and the build log's Precision lines, and saves the plans
// under --save=DIR. With --compare=DIR1,DIR2 it loads two such sets of plans instead and runs them
// interleaved with the profiler on, printing every layer whose tactic or dtypes differ (and the
// per-layer sum: each layer's fastest run, summed).
//
//   node tools/bench/bf16-layers.mjs --save=DIR [--threads=2] [--only=squeezenet1_1]
//   node tools/bench/bf16-layers.mjs --compare=BEFORE,AFTER [--threads=2] [--iterations=30]
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
const threads = Number(flags.threads ?? 2);
const iterations = Number(flags.iterations ?? 30);
const only = flags.only?.split(',');
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const WANTED = ['mobilenet_v2 batch 1', 'squeezenet1_1 batch 1', 'bert_mini seq 128'];
const cases = benchCases(shared).filter((c) => WANTED.includes(c.name) && (!only || only.some((name) => c.name.startsWith(name))));
const fileOf = (dir, benchCase) => path.join(dir, `${benchCase.name.replace(/ /g, '_')}.plan`);

if (flags.save) {
  fs.mkdirSync(flags.save, { recursive: true });
  for (const benchCase of cases) {
    const lines = [];
    const [start, cpu] = [performance.now(), process.cpuUsage()];
    const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: true, log: (line) => lines.push(line) });
    const used = process.cpuUsage(cpu);
    console.log(`${benchCase.name}: bf16 build ${(performance.now() - start).toFixed(0)} ms (CPU ${((used.user + used.system) / 1000).toFixed(0)} ms)`);
    for (const line of lines.filter((line) => line.startsWith('Precision:'))) console.log(`  ${line}`);
    fs.writeFileSync(fileOf(flags.save, benchCase), plan);
  }
} else if (flags.compare) {
  const dirs = flags.compare.split(',');
  const runtime = new Runtime({ threads });
  const form = (layer) => `${layer.tactic} ${[...layer.inputs, ...layer.outputs].map((t) => (t.dtype === 'bfloat16' ? 'b' : t.dtype === 'float32' ? 'f' : t.dtype)).join('')}`;
  for (const benchCase of cases) {
    const engines = dirs.map((dir) => runtime.deserializeEngine(fs.readFileSync(fileOf(dir, benchCase))));
    const contexts = engines.map((engine) => engine.createExecutionContext());
    const profiles = await profileLayers(contexts, makeInputs(benchCase.model, benchCase.shapes, 7), iterations);
    const layers = engines.map((engine) => engine.inspect().layers);
    console.log(`${benchCase.name}, ${threads} thread(s): per-layer sum ${profiles.map((p, i) => `${dirs[i]} ${p.fastest.reduce((a, b) => a + b, 0).toFixed(3)} ms`).join(', ')}`);
    const byName = layers.map((list, i) => new Map(list.map((layer, j) => [layer.name, { layer, ms: profiles[i].fastest[j] }])));
    for (const name of new Set(layers.flat().map((layer) => layer.name))) {
      const [a, b] = byName.map((map) => map.get(name));
      if (a && b && form(a.layer) === form(b.layer)) continue;
      const show = (entry) => (entry ? `${form(entry.layer)} ${entry.ms.toFixed(4)} ms` : '(absent)');
      console.log(`  ${name}: ${show(a)} -> ${show(b)}`);
    }
  }
}
