#!/usr/bin/env node
// Did a builder change make the engine faster? Two saved plans of one model (say, built before and
// after the change with `kiln build --saveEngine`), run by this checkout's runtime on the same
// inputs with the profiler on, interleaved (A B A B ...). Prints each plan's per-layer sum (each
// layer's fastest run) and run median, then every layer (matched by name) whose tactic or minimum
// differs by more than 5 us. Run it twice with the plans swapped: the second of a pair tends to
// lose a few percent to the first's cache state.
//
//   node tools/bench/plan-ab.mjs --case='squeezenet1_1 batch 1' --a=A.plan --b=B.plan
//     [--threads=2] [--iterations=100]
//
// The case gives the inputs (tools/bench/cases.mjs; KILN_SHARED_DIR for another models folder).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlag } from '@kiln/common';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs, parseArgs } from './cases.mjs';
import { profileLayers, quantile } from './measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(here, '../../../shared');
const args = parseArgs(process.argv.slice(2));
const caseName = String(args.get('case') ?? 'squeezenet1_1 batch 1');
const threads = Number(args.get('threads') ?? 2);
const iterations = Number(args.get('iterations') ?? 100);
const files = [args.get('a'), args.get('b')];
if (files.some((file) => typeof file !== 'string')) throw new Error('--a=PLAN and --b=PLAN are required');
const benchCase = benchCases(shared).find((c) => c.name === caseName);
if (!benchCase) throw new Error(`No case "${caseName}"; cases: ${benchCases(shared).map((c) => c.name).join(', ')}`);

const feeds = makeInputs(benchCase.model, benchCase.shapes);
const runtime = new Runtime({ threads });
const engines = files.map((file) => runtime.deserializeEngine(new Uint8Array(fs.readFileSync(String(file)))));
const contexts = engines.map((engine) => engine.createExecutionContext());
for (let i = 0; i < 5; i++) for (const context of contexts) await context.run(feeds);
const results = await profileLayers(contexts, feeds, iterations);
console.log(`${caseName}, ${threads} thread(s), ${iterations} interleaved runs each`);
results.forEach((result, i) => {
  const sum = result.fastest.reduce((total, ms) => total + ms, 0);
  console.log(`${files[i]}: per-layer sum ${sum.toFixed(3)} ms, run median ${quantile(result.runs, 0.5).toFixed(3)} ms (profiling)`);
});
const byName = engines.map((engine, i) => new Map(engine.inspect().layers.map((layer, j) => [layer.name, { tactic: layer.tactic, ms: results[i].fastest[j] }])));
console.log('layer: tactic, minimum ms in a | in b');
for (const [name, a] of byName[0]) {
  const b = byName[1].get(name);
  if (b && (a.tactic !== b.tactic || Math.abs(a.ms - b.ms) > 0.005)) console.log(`${name}: ${a.tactic} ${a.ms.toFixed(4)} | ${b.tactic} ${b.ms.toFixed(4)}`);
}
