#!/usr/bin/env node
// Where does the time go, layer by layer, in Kiln and in onnxruntime-node? For one case and thread
// count: Kiln's per-layer minima (`setProfiling`) and onnxruntime's per-node minima (its
// `enableProfiling` trace, kernel times), over the same number of interleaved runs. Each Kiln layer
// is matched with the onnxruntime nodes named after the ONNX nodes it covers (a fused layer's name
// joins them with " + "; onnxruntime keeps the first node's name for its fusions, sometimes with a
// suffix). onnxruntime's own nodes (layout reorders, nodes it renamed) are listed apart.
//
//   node tools/bench/layer-compare.mjs [--case='mobilenet_v2 batch 1' | --model=FILE.onnx]
//     [--threads=1] [--iterations=50] [--bf16] [--top=30]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEngine } from '@kiln/builder';
import { load } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { chosenCase, makeInputs, parseArgs } from './cases.mjs';
import { toOrtFeeds } from './measure.mjs';

const args = parseArgs(process.argv.slice(2));
const threads = Number(args.get('threads') ?? 1);
const iterations = Number(args.get('iterations') ?? 50);
const top = Number(args.get('top') ?? 30);
const benchCase = await chosenCase(args, 'mobilenet_v2 batch 1');

const feeds = makeInputs(benchCase.model, benchCase.shapes);
const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: args.has('bf16') });
const engine = new Runtime({ threads }).deserializeEngine(plan);
const context = engine.createExecutionContext();
const layers = engine.inspect().layers;

const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-ort-profile-'));
const session = await ort.InferenceSession.create(benchCase.file, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  enableProfiling: true,
  profileFilePrefix: path.join(profileDir, 'ort'),
  extra: { session: { force_spinning_stop: '1' } },
});
const ortFeeds = toOrtFeeds(feeds);

const kilnFastest = [];
const totals = { kiln: [], ort: [] };
for (let i = 0; i < 5; i++) {
  await session.run(ortFeeds);
  context.runSync(feeds);
}
context.setProfiling(true);
for (let i = 0; i < iterations; i++) {
  let start = performance.now();
  await session.run(ortFeeds);
  totals.ort.push(performance.now() - start);
  start = performance.now();
  await context.run(feeds);
  totals.kiln.push(performance.now() - start);
  (context.lastProfile() ?? []).forEach((entry, j) => (kilnFastest[j] = Math.min(kilnFastest[j] ?? Infinity, entry.ms)));
}
// onnxruntime-node's endProfiling returns nothing: the trace is the one file under profileDir.
session.endProfiling();
await session.release();
const traceFile = fs.readdirSync(profileDir).find((name) => name.endsWith('.json'));
if (!traceFile) throw new Error(`onnxruntime wrote no profile under ${profileDir}`);
const trace = JSON.parse(fs.readFileSync(path.join(profileDir, traceFile), 'utf8'));
fs.rmSync(profileDir, { recursive: true, force: true });

// onnxruntime: each node's fastest kernel time (the first 5 warm-up runs' events included: minima).
const ortFastest = new Map();
const ortOp = new Map();
for (const event of trace) {
  if (event.cat !== 'Node' || !String(event.name).endsWith('_kernel_time')) continue;
  const name = event.name.slice(0, -'_kernel_time'.length);
  ortFastest.set(name, Math.min(ortFastest.get(name) ?? Infinity, event.dur / 1000));
  ortOp.set(name, event.args?.op_name ?? '?');
}

// Match: an onnxruntime node belongs to the Kiln layer that names it, or that covers the ONNX
// node whose output tensor it is named after (onnxruntime's NCHWc fusions take the name of the
// fused activation's output plus "_nchwc"). A Kiln layer lists the ONNX nodes it covers (`sources`).
const model = await load(benchCase.file);
const producer = new Map(model.graph.nodes.flatMap((node) => node.outputs.map((value) => [value.name, node.name])));
const owner = new Map();
layers.forEach((layer, index) => {
  for (const part of [...layer.name.split(' + '), ...(layer.sources ?? [])]) owner.set(part, index);
});
const ortOfLayer = layers.map(() => 0);
const unmatched = [];
for (const [name, ms] of ortFastest) {
  const stripped = name.replace(/_nchwc$/, '');
  const index = owner.get(name) ?? owner.get(stripped) ?? owner.get(producer.get(stripped));
  if (index === undefined) unmatched.push([name, ms]);
  else ortOfLayer[index] += ms;
}

const sum = (values) => values.reduce((a, b) => a + b, 0);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${benchCase.name}, ${threads} thread(s)${args.has('bf16') ? ', Kiln bf16' : ''}, ${iterations} interleaved runs`);
console.log(`run medians: Kiln ${median(totals.kiln).toFixed(3)} ms, onnxruntime ${median(totals.ort).toFixed(3)} ms (both profiling)`);
console.log(`sum of minima: Kiln ${sum(kilnFastest).toFixed(3)} ms, onnxruntime ${sum([...ortFastest.values()]).toFixed(3)} ms`);
console.log('\nKiln ms  ORT ms  ORT-Kiln  tactic  layer');
const rows = layers.map((layer, i) => ({ layer, kiln: kilnFastest[i] ?? 0, ort: ortOfLayer[i] }));
rows.sort((a, b) => a.ort - a.kiln - (b.ort - b.kiln));
for (const row of rows.slice(0, top)) {
  console.log(`${row.kiln.toFixed(4)}  ${row.ort.toFixed(4)}  ${(row.ort - row.kiln).toFixed(4)}  ${row.layer.tactic}  ${row.layer.name.length > 100 ? `${row.layer.name.slice(0, 100)}...` : row.layer.name}`);
}
if (unmatched.length > 0) {
  console.log(`\nonnxruntime nodes no Kiln layer names (${sum(unmatched.map(([, ms]) => ms)).toFixed(4)} ms in all):`);
  for (const [name, ms] of unmatched.sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms.toFixed(4)}  ${ortOp.get(name)}  ${name}`);
}
