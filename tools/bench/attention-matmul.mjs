#!/usr/bin/env node
// bf16 MatMuls between activations (attention Q·Kᵀ and P·V), per layer: bert_mini at seq 128, two
// bf16 engines, the default one (bf16_matmul among the candidates, timing chooses) and one whose
// MatMul layers are held in fp32 (layerPrecisions name:fp32, as bf16 engines built before
// bf16_matmul), run interleaved with the profiler on. Prints each engine's per-layer sum (each
// layer's fastest run, summed), its median run, and each MatMul layer with its tactic, shapes and
// fastest ms.
//
//   node tools/bench/attention-matmul.mjs [--threads=2] [--iterations=30] [--sequence=128]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { readFlag } from '@kiln/common';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs } from './cases.mjs';
import { median, profileLayers } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')).map(([key, value]) => [key, value ?? 'true']));
const threads = Number(flags.threads ?? 2);
const iterations = Number(flags.iterations ?? 30);
const sequence = Number(flags.sequence ?? 128);
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const benchCase = benchCases(shared).find((c) => c.name === `bert_mini seq ${sequence}`);
if (!benchCase) throw new Error(`no bert_mini seq ${sequence} case under ${shared}/models`);

const runtime = new Runtime({ threads });
const isMatmul = (layer) => /_matmul/.test(layer.tactic);
const build = async (layerPrecisions) => {
  const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: true, precisionConstraints: 'obey', layerPrecisions });
  const engine = runtime.deserializeEngine(plan);
  return { context: engine.createExecutionContext(), layers: engine.inspect().layers };
};
const defaults = await build({});
const held = Object.fromEntries(defaults.layers.filter(isMatmul).map((layer) => [layer.name, 'fp32']));
const engines = [
  { name: 'bf16 (default)', ...defaults },
  { name: 'bf16, MatMuls in fp32', ...(await build(held)) },
];
const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
const profiles = await profileLayers(engines.map((engine) => engine.context), feeds, iterations);
engines.forEach((engine, at) => Object.assign(engine, profiles[at]));
for (const engine of engines) {
  const sum = engine.fastest.reduce((a, b) => a + b, 0);
  let matmuls = 0;
  console.log(`${benchCase.name}, ${threads} thread(s), ${engine.name}: per-layer sum ${sum.toFixed(3)} ms, median run ${median(engine.runs).toFixed(3)} ms (profiler on)`);
  engine.layers.forEach((layer, j) => {
    if (!isMatmul(layer)) return;
    matmuls += engine.fastest[j];
    const [a, b] = layer.inputs;
    console.log(`  ${layer.tactic.padEnd(34)} [${a.dims}]x[${b.dims}] -> [${layer.outputs[0].dims}]  ${engine.fastest[j].toFixed(4)} ms`);
  });
  console.log(`  MatMul layers together: ${matmuls.toFixed(4)} ms`);
}
