#!/usr/bin/env node
// What concat elimination buys in reduced-precision engines, per layer: squeezenet1_1 (or --model)
// built with bf16 and with int8 (EntropyCalibrator2 over --calib seeded inputs), each with and
// without the eliminate-concats pass, run interleaved at --threads. Both builds of a precision must
// run the same tactics, or the comparison measures tactic timing noise: the pair is rebuilt (one
// timing cache) up to --attempts times, and if the tactics still differ, the "without" engine is
// the "with" plan whose x_concat_view layers are turned back into x_concat copies (each input
// given its own dense buffer past the arena's end). Prints, per engine: the per-layer sum (each
// layer's fastest of --iterations profiled runs), the Concat layers' and their producers' share,
// the end-to-end median and minimum, whether outputs are bit for bit equal, and the load average.
//
//   node tools/bench/concat-layers.mjs [--model=squeezenet1_1] [--threads=2] [--iterations=300]
//                                     [--calib=8] [--attempts=3] [--layers]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { EntropyCalibrator2, calibrate } from '@kiln/calib';
import { readFlag } from '@kiln/common';
import { load } from '@kiln/onnx-tools';
import { Runtime, encodePlan } from '@kiln/runtime';
import { benchCases, calibrationTensors, makeInputs } from './cases.mjs';
import { median, profileLayers } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')).map(([key, value]) => [key, value ?? 'true']));
const threads = Number(flags.threads ?? 2);
const iterations = Number(flags.iterations ?? 300);
const attempts = Number(flags.attempts ?? 3);
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const benchCase = benchCases(shared).find((c) => c.model.name === (flags.model ?? 'squeezenet1_1'));
if (!benchCase) throw new Error(`no bench case for model ${flags.model}`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-concat-layers-'));
const model = await load(new Uint8Array(fs.readFileSync(benchCase.file)));
const cacheFile = path.join(work, 'calibration.cache');
const batches = Array.from({ length: Number(flags.calib ?? 8) }, (_, i) => makeInputs(benchCase.model, benchCase.shapes, 1000 + i));
await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches, cacheFile, tensors: calibrationTensors(model) });

const runtime = new Runtime({ threads });
const ELEMENT_BYTES = { float32: 4, bfloat16: 2, uint8: 1 };
const tactics = (engine) => engine.inspect().layers.map((layer) => (layer.tactic.startsWith('x_concat') ? 'concat' : layer.tactic)).join();

async function build(options, disable) {
  if (disable) process.env.KILN_DISABLE_PASSES = 'eliminate-concats';
  try {
    return await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, ...options });
  } finally {
    delete process.env.KILN_DISABLE_PASSES;
  }
}

/** The plan with every x_concat_view back to an x_concat copy, its inputs in dense buffers past the arena's end. */
function withCopies(plan) {
  const view = new DataView(plan.buffer, plan.byteOffset, plan.byteLength);
  const start = Number(view.getBigUint64(16, true));
  const weights = plan.subarray(start, start + Number(view.getBigUint64(24, true)));
  const header = structuredClone(runtime.deserializeEngine(plan).header);
  for (const layer of header.layers.filter((entry) => entry.kernel === 'x_concat_view__scalar')) {
    layer.kernel = 'x_concat';
    for (const index of layer.inputs) {
      const tensor = header.tensors[index];
      delete tensor.rowStride;
      tensor.offset = Math.ceil(header.arenaBytes / 64) * 64;
      header.arenaBytes = tensor.offset + tensor.dims.reduce((a, b) => a * b, 1) * ELEMENT_BYTES[tensor.dtype];
    }
  }
  header.arenaBytes = Math.ceil(header.arenaBytes / 64) * 64;
  return encodePlan(header, weights);
}

const engines = {};
for (const [name, options] of [['bf16', { bf16: true }], ['int8', { int8: true, calibrator: { cacheFile } }]]) {
  const timing = { timingCacheFile: path.join(work, `${name}.timing`) };
  for (let attempt = 1; ; attempt++) {
    const plan = await build({ ...options, ...timing });
    engines[`${name} with`] = runtime.deserializeEngine(plan);
    engines[`${name} without`] = runtime.deserializeEngine(await build({ ...options, ...timing }, true));
    if (tactics(engines[`${name} with`]) === tactics(engines[`${name} without`])) break;
    if (attempt < attempts) continue;
    engines[`${name} without`] = runtime.deserializeEngine(withCopies(plan));
    console.error(`[concat-layers] ${name}: tactics differed in ${attempts} build pairs; "without" is the "with" plan with its views turned back into copies`);
    break;
  }
}

const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
const contexts = Object.fromEntries(Object.entries(engines).map(([name, engine]) => [name, engine.createExecutionContext()]));
const output = benchCase.model.outputs[0];
for (const name of ['bf16', 'int8']) {
  const [a, b] = [(await contexts[`${name} with`].run(feeds))[output].data, (await contexts[`${name} without`].run(feeds))[output].data];
  console.log(`${name}: outputs with and without the pass bit for bit equal: ${a.every((value, i) => Object.is(value, b[i]))}`);
}
const profiles = await profileLayers(Object.values(contexts), feeds, iterations);
const fastest = Object.fromEntries(Object.keys(contexts).map((name, at) => [name, profiles[at].fastest]));
const times = Object.fromEntries(Object.keys(contexts).map((name) => [name, []]));
for (let i = 0; i < iterations; i++) {
  for (const [name, context] of Object.entries(contexts)) {
    const start = performance.now();
    await context.run(feeds);
    times[name].push(performance.now() - start);
  }
}
console.log('| engine | layers | per-layer sum ms | Concat layers ms | their producers ms | median ms | min ms |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const [name, engine] of Object.entries(engines)) {
  const layers = engine.inspect().layers.map((layer, j) => ({ ...layer, ms: fastest[name][j] }));
  const concats = layers.filter((layer) => layer.tactic.startsWith('x_concat'));
  const inputs = new Set(concats.flatMap((layer) => layer.inputs.map((input) => input.name)));
  const producers = layers.filter((layer) => layer.outputs.some((out) => inputs.has(out.name)));
  const sum = (list) => list.reduce((total, layer) => total + layer.ms, 0).toFixed(3);
  console.log(`| ${name} | ${layers.length} | ${sum(layers)} | ${concats.length}: ${sum(concats)} | ${producers.length}: ${sum(producers)} | ${median(times[name]).toFixed(3)} | ${Math.min(...times[name]).toFixed(3)} |`);
  if (flags.layers) for (const layer of [...concats, ...producers]) console.log(`|   ${layer.name} | ${layer.tactic} | ${layer.ms.toFixed(4)} | | | | |`);
}
console.log(`load average: ${fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ')}`);
fs.rmSync(work, { recursive: true, force: true });
