#!/usr/bin/env node
// bf16 (or fp16) stem, per layer, before/after reading NCHW: for mobilenet_v2 and squeezenet1_1 at
// batch 1, two engines of the same precision built with the default passes and with
// KILN_DISABLE_PASSES=read-nchw-inputs (the input reformat + NHWC conv path, as reduced-precision
// engines built before bf16_conv_nchw), run interleaved with the profiler on. Prints each engine's
// per-layer sum (each layer's fastest run, summed), its median run, its first three layers with
// their tactics, dtypes and fastest ms, and the build log's stem decision (Layout: ...).
//
//   node tools/bench/bf16-stem.mjs [--threads=2] [--iterations=200] [--precision=bf16|fp16] [--only=squeezenet1_1]
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
const iterations = Number(flags.iterations ?? 200);
const precision = flags.precision ?? 'bf16';
const only = flags.only?.split(',');
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const WANTED = ['mobilenet_v2 batch 1', 'squeezenet1_1 batch 1'];

for (const benchCase of benchCases(shared).filter((c) => WANTED.includes(c.name) && (!only || only.some((name) => c.name.startsWith(name))))) {
  const runtime = new Runtime({ threads });
  const engines = [];
  const disabled = process.env.KILN_DISABLE_PASSES;
  for (const [name, disable] of [['reads NCHW (default)', disabled ?? ''], ['reformat + NHWC (read-nchw-inputs off)', [disabled, 'read-nchw-inputs'].filter(Boolean).join(',')]]) {
    process.env.KILN_DISABLE_PASSES = disable;
    const lines = [];
    const plan = await buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, [precision]: true, log: (line) => lines.push(line) });
    const engine = runtime.deserializeEngine(plan);
    engines.push({ name, context: engine.createExecutionContext(), layers: engine.inspect().layers, lines });
  }
  if (disabled === undefined) delete process.env.KILN_DISABLE_PASSES;
  else process.env.KILN_DISABLE_PASSES = disabled;
  const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
  const profiles = await profileLayers(engines.map((engine) => engine.context), feeds, iterations);
  engines.forEach((engine, at) => Object.assign(engine, profiles[at]));
  for (const engine of engines) {
    const sum = engine.fastest.reduce((a, b) => a + b, 0);
    console.log(`${benchCase.name}, ${precision}, ${threads} thread(s), ${engine.name}: per-layer sum ${sum.toFixed(3)} ms, median run ${median(engine.runs).toFixed(3)} ms (profiler on)`);
    engine.layers.slice(0, 3).forEach((layer, j) => {
      const [x, y] = [layer.inputs[0], layer.outputs[0]];
      console.log(`  ${layer.tactic.padEnd(38)} ${x.dims.join('x')} ${x.dtype} -> ${y.dims.join('x')} ${y.dtype}  ${engine.fastest[j].toFixed(4)} ms`);
    });
    for (const line of engine.lines.filter((line) => line.startsWith('Layout:') || /activation tensors stay bf16/.test(line))) console.log(`  ${line}`);
  }
}
