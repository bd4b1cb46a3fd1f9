#!/usr/bin/env node
// squeezenet1_1's NHWC max pools, per layer, in fp32, bf16 and int8 engines: builds the three
// engines at batch 1 (int8 from one EntropyCalibrator2 cache over 8 seeded inputs, as
// precision.mjs calibrates) or loads them from --plans, runs them interleaved with the profiler on
// and prints every MaxPool layer's tactic, shape and fastest time. --save writes the plans, so two
// builds of kiln.node (KILN_NATIVE_PATH) can time the very same engines in alternating processes.
//
//   node tools/bench/maxpool.mjs [--threads=2] [--iterations=30] [--save=DIR | --plans=DIR]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { calibrate, EntropyCalibrator2 } from '@kiln/calib';
import { readFlag } from '@kiln/common';
import { load } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { benchCases, calibrationTensors, makeInputs, parseArgs } from './cases.mjs';
import { profileLayers } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flags = parseArgs(process.argv.slice(2));
const threads = Number(flags.get('threads') ?? 2);
const iterations = Number(flags.get('iterations') ?? 30);
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const benchCase = benchCases(shared).find((c) => c.name === 'squeezenet1_1 batch 1');
if (!benchCase) throw new Error(`squeezenet1_1 not found under ${shared}/models`);
const PRECISIONS = ['fp32', 'bf16', 'int8'];

async function buildPlan(precision) {
  if (precision === 'fp32') return buildEngine(benchCase.file, { shapes: benchCase.shapes, threads });
  if (precision === 'bf16') return buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, bf16: true });
  const model = await load(new Uint8Array(fs.readFileSync(benchCase.file)));
  const cacheFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-maxpool-')), 'squeezenet1_1.calib');
  const loader = Array.from({ length: 8 }, (_, i) => makeInputs(benchCase.model, benchCase.shapes, 1000 + i));
  await calibrate(model, { calibrator: new EntropyCalibrator2(), loader, cacheFile, tensors: calibrationTensors(model) });
  return buildEngine(benchCase.file, { shapes: benchCase.shapes, threads, int8: true, calibrator: { cacheFile } });
}

const plansDir = flags.get('plans');
const saveDir = flags.get('save');
const runtime = new Runtime({ threads });
const engines = [];
for (const precision of PRECISIONS) {
  const plan = plansDir ? new Uint8Array(fs.readFileSync(path.join(plansDir, `${precision}.plan`))) : await buildPlan(precision);
  if (saveDir) {
    fs.mkdirSync(saveDir, { recursive: true });
    fs.writeFileSync(path.join(saveDir, `${precision}.plan`), plan);
  }
  const engine = runtime.deserializeEngine(plan);
  engines.push({ precision, context: engine.createExecutionContext(), layers: engine.inspect().layers });
}
const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
const profiles = await profileLayers(engines.map((engine) => engine.context), feeds, iterations);
for (const [at, engine] of engines.entries()) {
  engine.layers.forEach((layer, j) => {
    if (!/maxpool/.test(layer.tactic)) return;
    const [x, y] = [layer.inputs[0], layer.outputs[0]];
    const shape = `${x.dims.join('x')} -> ${y.dims.join('x')} ${y.dtype}`;
    console.log(`${engine.precision.padEnd(5)} ${layer.name.padEnd(20)} ${layer.tactic.padEnd(30)} ${shape.padEnd(36)} ${profiles[at].fastest[j].toFixed(4)} ms`);
  });
}
