#!/usr/bin/env node
// Does interleaving with onnxruntime-node (what `pnpm bench` does) slow either runtime down, and
// what does Kiln's off-the-event-loop `run()` cost against a blocking call? For each case, in 8
// blocks of 6 runs each: Kiln `run()` alone and right after an ORT run; Kiln `runSync()` (blocking,
// as onnxruntime-node's own `run` is: it executes on the JavaScript thread) alone and after an ORT
// run; ORT alone and right after a Kiln run; Kiln `run()` after 5 ms of busy JavaScript. Medians in ms.
//
//   node tools/bench/interleave-check.mjs [--filter=REGEX] [--threads=1]
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
const threads = Number(args.get('threads') ?? 1);
const filter = new RegExp(String(args.get('filter') ?? 'mobilenet_v2 batch 1'));

const timed = async (run) => {
  const start = performance.now();
  await run();
  return performance.now() - start;
};
const busy = async () => {
  const start = performance.now();
  while (performance.now() - start < 5);
};

for (const benchCase of benchCases(shared).filter((c) => filter.test(c.name))) {
  const engine = new Runtime({ threads }).deserializeEngine(await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads }));
  const context = engine.createExecutionContext();
  const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
  const session = await ortSession(benchCase.file, threads);
  const ortFeeds = toOrtFeeds(feeds);
  const kiln = () => context.run(feeds);
  const kilnSync = async () => context.runSync(feeds);
  const ort = () => session.run(ortFeeds);
  for (let i = 0; i < 5; i++) for (const run of [kiln, kilnSync, ort]) await run();
  const modes = {
    'Kiln run() alone': [null, kiln],
    'Kiln run() after ORT': [ort, kiln],
    'Kiln runSync() alone': [null, kilnSync],
    'Kiln runSync() after ORT': [ort, kilnSync],
    'ORT alone': [null, ort],
    'ORT after Kiln': [kiln, ort],
    'Kiln run() after 5 ms busy JS': [busy, kiln],
  };
  const times = Object.fromEntries(Object.keys(modes).map((name) => [name, []]));
  for (let block = 0; block < 8; block++) {
    for (const [name, [before, run]] of Object.entries(modes)) {
      for (let i = 0; i < 6; i++) {
        if (before) await before();
        times[name].push(await timed(run));
      }
    }
  }
  console.log(`${benchCase.name}, ${threads} thread(s): ${Object.entries(times).map(([name, list]) => `${name} ${median(list).toFixed(2)}`).join(' | ')}`);
  await session.release?.();
}
