#!/usr/bin/env node
// What does an onnxruntime-node run leave behind for the next run in the same process? For each
// case (one model at batch 1): the process CPU time in an idle window right after an ORT run
// (its intra-op threads spinning), then Kiln's median time alone, right after an ORT run of 1
// thread and of N threads, and after an ORT run of N threads plus an idle gap.
//
// Each case runs twice: with onnxruntime's threads left spinning after a run (keep) and parked
// when it returns (stop, `session.force_spinning_stop`, what `pnpm bench` uses by default).
//
//   node tools/bench/ort-spin.mjs [--filter=REGEX] [--threads=2] [--iterations=N] [--gap=MS]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs, parseArgs } from './cases.mjs';
import { median, ortSession, toOrtFeeds } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(here, '../../../shared');
const args = parseArgs(process.argv.slice(2));
const threads = Number(args.get('threads') ?? 2);
const iterations = Number(args.get('iterations') ?? 30);
const gapMs = Number(args.get('gap') ?? 30);
const filter = new RegExp(String(args.get('filter') ?? 'batch 1'));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function idleCpuMs(run, windowMs) {
  await run();
  const before = process.cpuUsage();
  await sleep(windowMs);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

async function kilnAfter(before, kilnRun) {
  const times = [];
  for (let i = 0; i < iterations + 3; i++) {
    if (before) await before();
    const start = performance.now();
    await kilnRun();
    if (i >= 3) times.push(performance.now() - start);
  }
  return median(times).toFixed(2);
}

for (const benchCase of benchCases(shared).filter((c) => filter.test(c.name))) {
  const feeds = makeInputs(benchCase.model, benchCase.shapes);
  const ortFeeds = toOrtFeeds(feeds);
  const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, builderOptimizationLevel: 0 });
  const context = new Runtime({ threads }).deserializeEngine(plan).createExecutionContext();
  const kilnRun = () => context.run(feeds);
  for (const ortSpin of ['keep', 'stop']) {
    const one = await ortSession(benchCase.file, 1, { ortSpin });
    const many = await ortSession(benchCase.file, threads, { ortSpin });
    const runMany = () => many.run(ortFeeds);
    for (let i = 0; i < 5; i++) await runMany();
    const spins = [];
    for (const windowMs of [10, 50, 100, 200]) spins.push(`${(await idleCpuMs(runMany, windowMs)).toFixed(1)} ms in ${windowMs} ms`);
    const name = `${benchCase.name} (ORT spin ${ortSpin})`;
    console.log(`${name}: process CPU while idle after an ORT ${threads}-thread run: ${spins.join(', ')}`);
    console.log(
      `${name}: Kiln ${threads} thread(s) median ms — alone ${await kilnAfter(null, kilnRun)}, ` +
        `after ORT 1 thread ${await kilnAfter(() => one.run(ortFeeds), kilnRun)}, ` +
        `after ORT ${threads} threads ${await kilnAfter(runMany, kilnRun)}, ` +
        `after ORT ${threads} threads + ${gapMs} ms idle ${await kilnAfter(async () => { await runMany(); await sleep(gapMs); }, kilnRun)}`,
    );
  }
}
