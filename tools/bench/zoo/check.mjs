#!/usr/bin/env node
// Checks Kiln on the zoo (models.mjs: common architectures with seeded random weights that the
// benchmarks never see) through its public API, against onnxruntime-node fp32 as the oracle:
// does each model build, do its outputs agree, how fast is it.
//
//   node tools/bench/zoo/check.mjs [--only=resnet18,vit_tiny] [--threads=1,2] [--iterations=20]
//        [--warmUp=3] [--precisions=fp32,bf16,int8] [--eval=2] [--calib=32] [--out=DIR]
//        [--profile=N] [--json]
//
// Per model and thread count: one onnxruntime-node session (measure.mjs's ortSession:
// graphOptimizationLevel 'all', `threads` intra-op threads) and one Kiln engine per precision
// (buildEngine with the precision's flag; int8 calibrates with EntropyCalibrator2 on --calib
// seeded uniform inputs through a calibration cache in the output folder, reused across thread
// counts). A failure to build or run is reported in the table (KilnError code and message) and the
// run goes on.
//
// Accuracy: every output of Kiln against onnxruntime-node fp32 on --eval seeded uniform inputs
// (never the calibration ones), worst over inputs and outputs: max|Δ|, relative error
// max|Δ| / max|ref|, cosine similarity. Speed: onnxruntime-node and every Kiln engine of the
// thread count run interleaved (A B C A B C ...) on one input, --warmUp rounds then --iterations
// timed rounds; "ORT/Kiln" is the ratio of medians (above 1: Kiln is faster). "ref layers":
// layers left to the reference evaluator (no native kernel). --profile=N prints each engine's N
// slowest layers (fastest of --iterations profiled runs) with their tactics.
//
// Models are written to --out (default: a temporary folder, removed at the end) as <name>.onnx.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEngine } from '@kiln/builder';
import { EntropyCalibrator2 } from '@kiln/calib';
import { save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { makeInputs, parseArgs } from '../cases.mjs';
import { kilnCall, median, ortSession, profileLayers, toOrtFeeds } from '../measure.mjs';
import { zoo } from './models.mjs';

const PRECISIONS = { fp32: {}, bf16: { bf16: true }, fp16: { fp16: true }, int8: { int8: true } };

const args = parseArgs(process.argv.slice(2));
const list = (name, fallback) => String(args.get(name) ?? fallback).split(',').filter(Boolean);
const only = args.has('only') ? list('only', '') : undefined;
const threadCounts = list('threads', '1,2').map(Number);
const precisions = list('precisions', 'fp32,bf16,int8');
const iterations = Number(args.get('iterations') ?? 20);
const warmUp = Number(args.get('warmUp') ?? 3);
const evalCount = Number(args.get('eval') ?? 2);
const calibCount = Number(args.get('calib') ?? 32);
const profileTop = Number(args.get('profile') ?? 0);
for (const precision of precisions) if (!(precision in PRECISIONS)) throw new Error(`--precisions: unknown precision ${precision} (expected ${Object.keys(PRECISIONS).join(', ')})`);
for (const name of only ?? []) if (!zoo.some((entry) => entry.name === name)) throw new Error(`--only: no zoo model ${name} (have ${zoo.map((entry) => entry.name).join(', ')})`);
const out = args.has('out') ? path.resolve(String(args.get('out'))) : fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-zoo-'));
fs.mkdirSync(out, { recursive: true });

/** Seeded feeds for every input of a zoo entry (cases.mjs's: uniform [-1, 1) for float32). */
function makeFeeds(entry, seed) {
  return makeInputs(entry, Object.fromEntries(entry.inputs.map((input) => [input.name, input.shape])), seed);
}

/** max|Δ|, max|ref|, cosine and the count of non-finite values of `actual` against `expected`. */
function compare(actual, expected) {
  let maxDiff = 0;
  let maxRef = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  let nonFinite = 0;
  for (let i = 0; i < expected.length; i++) {
    const [a, b] = [actual[i], expected[i]];
    if (!Number.isFinite(a)) nonFinite++;
    maxDiff = Math.max(maxDiff, Math.abs(a - b));
    maxRef = Math.max(maxRef, Math.abs(b));
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  return { maxDiff, maxRef, cosine: dot / Math.sqrt(na * nb), nonFinite };
}

/** A KilnError (or any error) as `CODE: first line of the message`. */
const describe = (error) => `${error?.code ?? error?.name ?? 'ERROR'}: ${String(error?.message ?? error).split('\n')[0]}`;

/** Builds, loads and checks one engine; returns its row (with `context` when it runs). */
async function checkEngine(entry, file, precision, threads, runtime, references, evalFeeds) {
  const row = { model: entry.name, precision, threads };
  const shapes = Object.fromEntries(entry.inputs.map((input) => [input.name, input.shape]));
  const options = { shapes, threads, ...PRECISIONS[precision] };
  if (precision === 'int8') {
    const loader = Array.from({ length: calibCount }, (_, i) => makeFeeds(entry, 1000 + i));
    options.calibrator = { calibrator: new EntropyCalibrator2(), loader, cacheFile: path.join(out, `${entry.name}.calib`) };
  }
  const log = [];
  let engine;
  const started = performance.now();
  try {
    const plan = await buildEngine(file, { ...options, log: (line) => log.push(line) });
    row.buildMs = performance.now() - started;
    row.calibrated = log.some((line) => /^Calibration: .*EntropyCalibration2/.test(line));
    engine = runtime.deserializeEngine(plan);
    row.context = engine.createExecutionContext();
  } catch (error) {
    row.buildMs = performance.now() - started;
    row.error = `build: ${describe(error)}`;
    return row;
  }
  const layers = engine.inspect().layers;
  row.engine = engine;
  row.layers = layers.length;
  row.referenceLayers = layers.filter((layer) => layer.tactic === 'reference' || layer.type === 'Reference').map((layer) => `${layer.name} (${layer.sources.join('+') || layer.type})`);
  row.accuracy = { maxDiff: 0, rel: 0, cosine: 1, nonFinite: 0, worst: '' };
  try {
    for (const [at, feeds] of evalFeeds.entries()) {
      const outputs = await row.context.run(feeds);
      for (const [name, expected] of Object.entries(references[at])) {
        const actual = outputs[name];
        if (!actual) throw new Error(`output ${name} missing (got ${Object.keys(outputs).join(', ')})`);
        if (actual.dims.join('x') !== expected.dims.join('x')) throw new Error(`output ${name} has shape [${actual.dims}], onnxruntime [${expected.dims}]`);
        const result = compare(actual.data, expected.data);
        const rel = result.maxDiff / result.maxRef;
        if (rel > row.accuracy.rel || Number.isNaN(rel)) row.accuracy.worst = name;
        row.accuracy.maxDiff = Math.max(row.accuracy.maxDiff, result.maxDiff);
        row.accuracy.rel = Number.isNaN(rel) ? Number.NaN : Math.max(row.accuracy.rel, rel);
        row.accuracy.cosine = Math.min(row.accuracy.cosine, result.cosine);
        row.accuracy.nonFinite += result.nonFinite;
      }
    }
  } catch (error) {
    row.error = `run: ${describe(error)}`;
    delete row.context;
    delete row.accuracy;
  }
  return row;
}

/** Times onnxruntime-node and every running engine interleaved; fills in `ortMs`, `kilnMs` and `ratio`. */
async function timeRows(session, rows, feeds) {
  const ortFeeds = toOrtFeeds(feeds);
  const running = rows.filter((row) => row.context);
  const runners = [() => session.run(ortFeeds), ...running.map((row) => ((call) => () => call(feeds))(kilnCall(row.context, 'run')))];
  const times = runners.map(() => []);
  for (let i = 0; i < warmUp; i++) for (const run of runners) await run();
  for (let i = 0; i < iterations; i++) {
    for (const [at, run] of runners.entries()) {
      const start = performance.now();
      await run();
      times[at].push(performance.now() - start);
    }
  }
  const ortMs = median(times[0]);
  for (const row of rows) row.ortMs = ortMs;
  for (const [at, row] of running.entries()) {
    row.kilnMs = median(times[at + 1]);
    row.ratio = ortMs / row.kilnMs;
  }
}

/** Prints the `top` slowest layers of an engine (fastest of `iterations` profiled runs each). */
async function printProfile(row, feeds, top) {
  const [{ fastest }] = await profileLayers([row.context], feeds, iterations);
  const layers = row.engine.inspect().layers;
  const total = fastest.reduce((a, b) => a + b, 0);
  console.error(`[zoo] ${row.model} ${row.precision} threads ${row.threads}: per-layer sum ${total.toFixed(3)} ms over ${layers.length} layers; slowest:`);
  const ranked = layers.map((layer, i) => ({ ms: fastest[i] ?? 0, layer })).sort((a, b) => b.ms - a.ms).slice(0, top);
  for (const { ms, layer } of ranked) {
    const shape = layer.outputs.map((o) => `[${o.dims}]`).join(' ');
    console.error(`  ${ms.toFixed(3).padStart(8)} ms ${(100 * ms / total).toFixed(1).padStart(5)}%  ${layer.tactic}  ${layer.name} ${shape} <- ${layer.sources.join('+')}`);
  }
}

const results = [];
for (const entry of zoo.filter((e) => !only || only.includes(e.name))) {
  const file = path.join(out, `${entry.name}.onnx`);
  fs.writeFileSync(file, save(entry.build()));
  const evalFeeds = Array.from({ length: evalCount }, (_, i) => makeFeeds(entry, 7 + i));
  for (const threads of threadCounts) {
    const session = await ortSession(file, threads);
    const references = [];
    for (const feeds of evalFeeds) {
      const outputs = await session.run(toOrtFeeds(feeds));
      references.push(Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, { dims: [...tensor.dims], data: tensor.data }])));
    }
    const runtime = new Runtime({ threads });
    const rows = [];
    for (const precision of precisions) {
      const row = await checkEngine(entry, file, precision, threads, runtime, references, evalFeeds);
      console.error(`[zoo] ${entry.name} ${precision} threads ${threads}: ${row.error ?? `built in ${(row.buildMs / 1000).toFixed(1)} s${row.calibrated ? ' (incl. calibration)' : ''}, rel err ${row.accuracy.rel.toExponential(2)}, cosine ${row.accuracy.cosine.toFixed(6)}`}`);
      rows.push(row);
    }
    await timeRows(session, rows, evalFeeds[0]);
    if (profileTop > 0) for (const row of rows.filter((r) => r.context)) await printProfile(row, evalFeeds[0], profileTop);
    for (const row of rows) {
      delete row.context;
      delete row.engine;
      results.push(row);
    }
    await session.release?.();
  }
}
if (!args.has('out')) fs.rmSync(out, { recursive: true, force: true });

const fixed = (value, digits) => (value === undefined ? '' : value.toFixed(digits));
const exp = (value) => (value === undefined ? '' : value.toExponential(2));
if (args.has('json')) {
  for (const row of results) console.log(JSON.stringify(row));
} else {
  console.log('| model | precision | threads | build s | layers (ref) | max abs err | rel err | cosine | Kiln ms | ORT ms | ORT/Kiln | error |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const layers = r.layers === undefined ? '' : `${r.layers} (${r.referenceLayers.length})`;
    const nonFinite = r.accuracy?.nonFinite ? ` ${r.accuracy.nonFinite} non-finite` : '';
    console.log(`| ${r.model} | ${r.precision} | ${r.threads} | ${fixed(r.buildMs / 1000, 1)}${r.calibrated ? '*' : ''} | ${layers} | ${exp(r.accuracy?.maxDiff)} | ${exp(r.accuracy?.rel)}${nonFinite} | ${fixed(r.accuracy?.cosine, 6)} | ${fixed(r.kilnMs, 2)} | ${fixed(r.ortMs, 2)} | ${fixed(r.ratio, 2)} | ${r.error ?? ''} |`);
  }
  console.log(`errors against onnxruntime-node fp32 on ${evalCount} seeded input(s), worst output; times: medians of ${iterations} interleaved runs; * build time includes int8 calibration on ${calibCount} inputs`);
  for (const r of results.filter((row) => row.referenceLayers?.length)) console.log(`reference layers in ${r.model} ${r.precision} threads ${r.threads}: ${r.referenceLayers.join(', ')}`);
}
