#!/usr/bin/env node
// Does letting the process go idle before each run (measure.mjs `settle`) slow a runtime down on
// its own? Times each runtime ALONE in this process, back to back and settled, in alternating
// rounds (so machine noise hits both methods alike), and prints the median of the round medians.
//
//   node tools/bench/settle-check.mjs [--filter=REGEX] [--threads=1,2] [--iterations=N] [--rounds=N]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs, parseArgs } from './cases.mjs';
import { median, ortSession, settle, toOrtFeeds } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(here, '../../../shared');
const args = parseArgs(process.argv.slice(2));
const threadCounts = String(args.get('threads') ?? '1,2').split(',').map(Number);
const iterations = Number(args.get('iterations') ?? 30);
const rounds = Number(args.get('rounds') ?? 5);
const filter = new RegExp(String(args.get('filter') ?? 'batch 1'));

async function timeRuns(run, settled) {
  const times = [];
  for (let i = 0; i < 3; i++) await run();
  for (let i = 0; i < iterations; i++) {
    if (settled) await settle();
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  return median(times);
}

for (const threads of threadCounts) {
  for (const benchCase of benchCases(shared).filter((c) => filter.test(c.name))) {
    const feeds = makeInputs(benchCase.model, benchCase.shapes);
    const session = await ortSession(benchCase.file, threads);
    const ortFeeds = toOrtFeeds(feeds);
    const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads });
    const context = new Runtime({ threads }).deserializeEngine(plan).createExecutionContext();
    const runners = { ort: () => session.run(ortFeeds), kiln: () => context.run(feeds) };
    const medians = { ort: { none: [], idle: [] }, kiln: { none: [], idle: [] } };
    for (let round = 0; round < rounds; round++) {
      for (const runtime of ['ort', 'kiln']) {
        for (const mode of round % 2 ? ['idle', 'none'] : ['none', 'idle']) {
          medians[runtime][mode].push(await timeRuns(runners[runtime], mode === 'idle'));
        }
      }
    }
    const line = (runtime) => `${runtime} back to back ${median(medians[runtime].none).toFixed(3)} ms, settled ${median(medians[runtime].idle).toFixed(3)} ms`;
    console.log(`${benchCase.name.padEnd(22)} t=${threads}  alone: ${line('ort')} | ${line('kiln')}`);
    await session.release?.();
  }
}
