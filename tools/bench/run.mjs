#!/usr/bin/env node
// `pnpm bench`: Kiln vs onnxruntime-node 1.30 (graphOptimizationLevel 'all', same thread count,
// sequential execution) on every benchmark case at 1 and 2 threads, interleaved in one process.
// Peak RSS is measured per runtime in child processes (one process cannot split its RSS).
//
//   node tools/bench/run.mjs [--json] [--filter=REGEX] [--threads=1,2] [--iterations=N] [--settle=idle|none]
//                          [--ort-spin=stop|keep] [--api=run|runSync]
//
// --settle=idle lets the process go idle before every timed run of either runtime at 2+ threads
// (see measure.mjs); --settle=none (default) times the runs back to back, as issue #7 states.
// --api=run (default) times Kiln's `await context.run()` (a worker thread, off the event loop);
// runSync times `context.runSync()` on the calling thread, as onnxruntime-node's run executes.
// --ort-spin=stop (default) parks onnxruntime's intra-op threads when its run returns
// (`session.force_spinning_stop`, see measure.mjs); keep leaves them spinning into Kiln's run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { benchCases, parseArgs } from './cases.mjs';
import { measureCase } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(here, '../../../shared');
const args = parseArgs(process.argv.slice(2));
const json = args.has('json');
const threadCounts = String(args.get('threads') ?? '1,2').split(',').map(Number);
const iterations = Number(args.get('iterations') ?? 30);
const settleMode = String(args.get('settle') ?? 'none');
if (!['idle', 'none'].includes(settleMode)) throw new Error(`--settle must be idle or none, got ${settleMode}`);
const ortSpin = String(args.get('ort-spin') ?? 'stop');
const api = String(args.get('api') ?? 'run');
const filter = typeof args.get('filter') === 'string' ? new RegExp(args.get('filter')) : undefined;
const cases = benchCases(shared).filter((c) => !filter || filter.test(c.name));

const results = [];
for (const threads of threadCounts) {
  for (const benchCase of cases) {
    const result = await measureCase(benchCase, threads, { iterations, warmUp: 5, settle: settleMode, ortSpin, api });
    if (benchCase.name === 'mobilenet_v2 batch 1') result.peakRss = await peakRss(benchCase, threads);
    results.push(result);
    if (!json) printRow(result);
  }
}

async function peakRss(benchCase, threads) {
  // Kiln's child loads a plan built here: its peak is running, not building.
  const planFile = path.join(os.tmpdir(), `kiln-bench-rss-${process.pid}.plan`);
  let built = true;
  try {
    fs.writeFileSync(planFile, await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, builderOptimizationLevel: 0 }));
  } catch {
    built = false; // the timing rows already say why Kiln's figures are missing
  }
  const measure = (runtime) => {
    const args = [path.join(here, 'rss.mjs'), runtime, runtime === 'kiln' ? planFile : '-', benchCase.file, JSON.stringify(benchCase.shapes), String(threads)];
    const output = execFileSync(process.execPath, args, { encoding: 'utf8' });
    return JSON.parse(output.trim().split('\n').at(-1)).maxRssBytes;
  };
  try {
    return { kiln: built ? measure('kiln') : undefined, ort: measure('ort') };
  } finally {
    fs.rmSync(planFile, { force: true });
  }
}

function printRow(r) {
  const ms = (value) => (value === undefined ? '-' : value.toFixed(3));
  if (r.kilnError) {
    console.log(`${r.case.padEnd(22)} t=${r.threads}  ORT median ${ms(r.ort.median)} p90 ${ms(r.ort.p90)} ms | Kiln: not built (${r.kilnError})`);
    return;
  }
  const rss = r.peakRss ? ` | peak RSS Kiln ${r.peakRss.kiln === undefined ? '-' : (r.peakRss.kiln / 2 ** 20).toFixed(0)} MiB vs ORT ${(r.peakRss.ort / 2 ** 20).toFixed(0)} MiB` : '';
  console.log(
    `${r.case.padEnd(22)} t=${r.threads}  Kiln median ${ms(r.kiln.median)} p90 ${ms(r.kiln.p90)} | ORT median ${ms(r.ort.median)} p90 ${ms(r.ort.p90)} ms | ORT/Kiln ${r.ratio.toFixed(2)}x | build ${(r.buildColdMs / 1000).toFixed(2)} s cold, ${(r.buildCachedMs / 1000).toFixed(2)} s cached | load ${ms(r.loadMs)} ms${rss}`,
  );
}

const ratios = results.filter((r) => r.ratio !== undefined).map((r) => r.ratio);
const geomean = ratios.length > 0 ? Math.exp(ratios.reduce((sum, ratio) => sum + Math.log(ratio), 0) / ratios.length) : Number.NaN;
const byThreads = Object.fromEntries(threadCounts.map((t) => {
  const subset = results.filter((r) => r.threads === t && r.ratio !== undefined).map((r) => r.ratio);
  return [t, subset.length ? Math.exp(subset.reduce((s, x) => s + Math.log(x), 0) / subset.length) : Number.NaN];
}));
if (json) console.log(JSON.stringify({ date: new Date().toISOString(), settle: settleMode, ortSpin, api, results, geomeanByThreads: byThreads, geomean }));
else {
  console.log(`Kiln timed with context.${api}()`);
  for (const [t, g] of Object.entries(byThreads)) console.log(`geometric-mean ORT/Kiln at ${t} thread(s): ${g.toFixed(3)}x`);
  console.log(`geometric-mean ratio ORT/Kiln: ${geomean.toFixed(3)}x`);
}
