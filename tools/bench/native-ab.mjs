#!/usr/bin/env node
// Did a native change make the engine faster? One plan, built by this checkout's builder, run by
// this checkout's runtime (A) and by the runtime of another built checkout (B: the commit before
// the change), interleaved in one process (B A A B B A ...), so the two see the same tactics, the
// same inputs and the same machine noise. Prints the minimum, 10th percentile and median of each,
// and B/A (above 1: this checkout is faster).
//
//   node tools/bench/native-ab.mjs --before=../kiln-before [--case='mobilenet_v2 batch 1' | --model=FILE.onnx]
//     [--threads=2] [--iterations=200] [--bf16] [--plan=FILE] [--layers]
//
// --plan=FILE runs that plan (e.g. one `kiln build --saveEngine` wrote) instead of building one,
// so a builder change cannot move the tactics between two comparisons; --layers then also profiles
// both runtimes, interleaved, and prints each layer whose minima differ by more than 5 us.
//
// Its own noise floor: this checkout against itself (`--before=.`, the same code on two engines)
// gave median 0.986, p10 0.979 on mobilenet_v2 at 1 thread, with 2-3% per layer on its 7x7 blocks
// (2026-11-24, Zen 4): read differences under about 2% as no difference.
//
// The other checkout needs `pnpm install && pnpm build` done (its runtime's dist and native addon);
// e.g. `git clone -q . ../kiln-before && git -C ../kiln-before checkout <commit>` and build there.
// Both runtimes must read the plan's format version.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import { chosenCase, makeInputs, parseArgs } from './cases.mjs';
import { profileLayers, quantile } from './measure.mjs';

const args = parseArgs(process.argv.slice(2));
const before = args.get('before');
if (typeof before !== 'string') throw new Error('--before=DIR (a built checkout to compare with) is required');
const runtimeEntry = path.resolve(before, 'packages/runtime/dist/index.js');
if (!fs.existsSync(runtimeEntry)) throw new Error(`${runtimeEntry} does not exist: run pnpm install && pnpm build in ${before}`);
const threads = Number(args.get('threads') ?? 2);
const iterations = Number(args.get('iterations') ?? 200);
const benchCase = await chosenCase(args, 'mobilenet_v2 batch 1');

const { Runtime: BeforeRuntime } = await import(pathToFileURL(runtimeEntry).href);
const planFile = args.get('plan');
const plan = typeof planFile === 'string' ? new Uint8Array(fs.readFileSync(planFile)) : await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: args.has('bf16') });
const feeds = makeInputs(benchCase.model, benchCase.shapes);
const engine = new Runtime({ threads }).deserializeEngine(plan);
const contexts = {
  this: engine.createExecutionContext(),
  before: new BeforeRuntime({ threads }).deserializeEngine(plan).createExecutionContext(),
};
const times = { this: [], before: [] };
for (let i = 0; i < 10; i++) for (const context of Object.values(contexts)) await context.run(feeds);
for (let i = 0; i < iterations; i++) {
  for (const key of i % 2 === 0 ? ['before', 'this'] : ['this', 'before']) {
    const start = performance.now();
    await contexts[key].run(feeds);
    times[key].push(performance.now() - start);
  }
}
const label = `${benchCase.name}${args.has('bf16') ? ' bf16' : ''}, ${threads} thread(s), ${iterations} interleaved runs each`;
console.log(label);
for (const [key, list] of Object.entries(times)) {
  console.log(`${key === 'this' ? 'this checkout' : `before (${before})`}: min ${quantile(list, 0).toFixed(3)} p10 ${quantile(list, 0.1).toFixed(3)} median ${quantile(list, 0.5).toFixed(3)} ms`);
}
const ratio = (q) => (quantile(times.before, q) / quantile(times.this, q)).toFixed(3);
console.log(`before / this: median ${ratio(0.5)}, p10 ${ratio(0.1)}`);
if (args.has('layers')) {
  const [before, after] = await profileLayers([contexts.before, contexts.this], feeds, iterations);
  console.log('layer, tactic: minimum ms before → this checkout');
  engine.inspect().layers.forEach((layer, i) => {
    if (Math.abs(before.fastest[i] - after.fastest[i]) > 0.005) console.log(`${layer.name} ${layer.tactic}: ${before.fastest[i].toFixed(4)} → ${after.fastest[i].toFixed(4)}`);
  });
}
