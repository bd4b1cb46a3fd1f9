#!/usr/bin/env node
// Reduced-precision accuracy and speed: for each shared model, Kiln engines built with no flag
// (fp32), --bf16, --fp16, --int8 (implicit: EntropyCalibrator2 over --calib seeded inputs, through
// a calibration cache) and from the Q/DQ model @kiln/calib writes with those scales (explicit
// int8), against Kiln fp32 (cosine, top-1 agreement over --eval other inputs) and against
// onnxruntime-node fp32 and onnxruntime-node on the same Q/DQ model (median latency, interleaved
// in one process).
//
//   node tools/bench/precision.mjs [--threads=1,2] [--iterations=20] [--eval=16] [--calib=8]
//                                  [--inputs=structured|random] [--images=DIR]
//                                  [--only=mobilenet_v2,bert_mini] [--api=run|runSync] [--json]
//                                  [--sensitivity=8] [--interleave=pairs|all]
//
// --interleave: pairs (default) times each Kiln engine interleaved with onnxruntime fp32 alone (A
// B A B ..., as `pnpm bench` does; int8 engines with the Q/DQ session as a third), its ratios
// against that group's onnxruntime medians; all interleaves every runner of the model at once
// (ORT fp32, ORT Q/DQ, then each engine), as this script did up to 2026-11-24. With seven runners
// in turn each run starts with the others' weights in the caches: on a 16-core Intel host that
// put Kiln's bf16 medians about 1 ms above their per-layer sums.
//
// --inputs: what calibration and accuracy run on: structured (default; synthetic scenes and
// Zipf-distributed token sequences, see inputs.mjs) or random (uniform noise, token ids < 4096).
// --images=DIR: image models calibrate on crops of the even-numbered PNG files of DIR (by name)
// and are evaluated on crops of the odd-numbered ones, which calibration never saw; e.g. the
// sample photos of Debian's python3-skimage package:
//   apt-get download python3-skimage && dpkg-deb -x python3-skimage_*.deb /tmp/skimage
//   --images=/tmp/skimage/usr/lib/python3/dist-packages/skimage/data
// Speed is always timed on the same seeded uniform inputs (cases.mjs), comparable between runs.
//
// --sensitivity=N (default 8; 0: off): @kiln/builder's int8Sensitivity, run on the first N
// calibration inputs (never the evaluation ones), picks the int8 layers that cost the most
// accuracy; the engine "int8 + sensitivity" is built with int8 and bf16 allowed and those layers
// preferring bf16 (precisionConstraints 'prefer').
//
// --api: how Kiln's speed is timed, as in `pnpm bench`: run (default; `await context.run()`, off
// the event loop) or runSync (`context.runSync()`, on the calling thread like onnxruntime-node's run).
//
// "per-layer sum": the runtime profiler's per-layer times, each layer's fastest of --iterations
// runs, summed (the kernels' own time, steadier than the end-to-end median on a busy machine).
//
// Top-1 agreement: argmax over the last axis, per row (classifiers: per image; bert_mini's
// last_hidden_state: per token, a stand-in since the model has no classifier head). These models
// have random weights, so their fp32 outputs are often near ties (top two within 2^-7 of the top
// value), which any reduced precision may flip: the last column counts them and gives the
// agreement over the other rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine, int8Sensitivity } from '@kiln/builder';
import { calibrate, EntropyCalibrator2, quantizeModel } from '@kiln/calib';
import { readFlag } from '@kiln/common';
import { load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { benchCases, calibrationTensors, makeInputs } from './cases.mjs';
import { imageInputs, isImage, readImage, structuredInputs } from './inputs.mjs';
import { kilnCall, median, ortSession, profileLayers, toOrtFeeds } from './measure.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flags = Object.fromEntries(process.argv.slice(2).map((arg) => arg.replace(/^--/, '').split('=')).map(([key, value]) => [key, value ?? 'true']));
const threadCounts = (flags.threads ?? '1,2').split(',').map(Number);
const iterations = Number(flags.iterations ?? 20);
const evalCount = Number(flags.eval ?? 16);
const calibCount = Number(flags.calib ?? 8);
const only = flags.only?.split(',');
const api = flags.api ?? 'run';
const sensitivityCount = Number(flags.sensitivity ?? 8);
const interleave = flags.interleave ?? 'pairs';
if (!['pairs', 'all'].includes(interleave)) throw new Error(`--interleave must be pairs or all, got ${interleave}`);
const inputKind = flags.inputs ?? 'structured';
if (!['structured', 'random'].includes(inputKind)) throw new Error(`--inputs must be structured or random, got ${inputKind}`);
const images = flags.images ? usableImages(flags.images) : undefined;
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-precision-'));
const WANTED = ['mobilenet_v2 batch 1', 'squeezenet1_1 batch 1', 'bert_mini seq 128'];


function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

// A row of the reference whose top two values are closer than this, relative to the top one, is
// a near tie: two bf16 rounding steps (2^-8 each). Any reduced-precision engine may flip it.
const NEAR_TIE = 2 ** -7;

/**
 * Rows (over the last axis) whose argmax agrees with the reference `b`, the row count, and the
 * same two counts over the rows that are not near ties in `b`.
 */
function top1(a, b, width) {
  let same = 0;
  let decisiveSame = 0;
  let decisive = 0;
  const rows = a.length / width;
  for (let row = 0; row < rows; row++) {
    let ia = 0;
    let ib = 0;
    let second = -Infinity;
    for (let j = 1; j < width; j++) {
      if (a[row * width + j] > a[row * width + ia]) ia = j;
      if (b[row * width + j] > b[row * width + ib]) ib = j;
    }
    for (let j = 0; j < width; j++) if (j !== ib) second = Math.max(second, b[row * width + j]);
    const top = b[row * width + ib];
    const isDecisive = top - second >= NEAR_TIE * Math.abs(top);
    if (ia === ib) same++;
    if (isDecisive) {
      decisive++;
      if (ia === ib) decisiveSame++;
    }
  }
  return [same, rows, decisiveSame, decisive];
}

function precisionMix(engine) {
  const count = {};
  for (const layer of engine.inspect().layers) {
    const prefix = /^(qu8|bf16|f16|f32|x)_/.exec(layer.tactic)?.[1] ?? 'reference';
    if (/_(conv|gemm|matmul|dwconv|mbconv)/.test(layer.tactic)) count[prefix] = (count[prefix] ?? 0) + 1;
  }
  return Object.entries(count).map(([prefix, n]) => `${n} ${prefix}`).join(', ');
}

/** The PNG images of `dir` this decoder reads and at least 128 pixels on their short side, by file name, decoded. */
function usableImages(dir) {
  const usable = [];
  for (const name of fs.readdirSync(dir).filter((file) => file.endsWith('.png')).sort()) {
    try {
      const image = readImage(path.join(dir, name));
      if (Math.min(image.width, image.height) >= 128) usable.push(image);
    } catch {
      console.error(`[precision] skipping ${name}: not a PNG this decoder reads`);
    }
  }
  if (usable.length < 2) throw new Error(`--images=${dir}: needs at least 2 PNG images of 128 pixels or more`);
  return usable;
}

/** `count` feeds from `seed` on: real image crops (calibration or evaluation half), or seeded inputs. */
function inputsFor(benchCase, count, seed, half) {
  const imageModel = benchCase.model.inputs.length === 1 && isImage(benchCase.shapes[benchCase.model.inputs[0].name]);
  if (images && imageModel) return imageInputs(images.filter((_, i) => i % 2 === (half === 'calibration' ? 0 : 1)), benchCase.model, benchCase.shapes, count, seed);
  const make = inputKind === 'structured' ? structuredInputs : makeInputs;
  return Array.from({ length: count }, (_, i) => make(benchCase.model, benchCase.shapes, seed + i));
}

const results = [];

for (const benchCase of benchCases(shared).filter((c) => WANTED.includes(c.name) && (!only || only.some((name) => c.name.startsWith(name))))) {
  const model = await load(new Uint8Array(fs.readFileSync(benchCase.file)));
  const cacheFile = path.join(work, `${benchCase.model.name}.calib`);
  const batches = inputsFor(benchCase, calibCount, 1000, 'calibration');
  let started = performance.now();
  const { scales } = await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches, cacheFile, tensors: calibrationTensors(model) });
  const calibrationMs = performance.now() - started;
  console.error(`[precision] ${benchCase.name}: calibrated ${scales.size} tensors in ${(calibrationMs / 1000).toFixed(1)} s`);
  const qdq = save(await quantizeModel(model, scales));
  const outputName = benchCase.model.outputs[0];
  let sensitive;
  if (sensitivityCount > 0) {
    started = performance.now();
    sensitive = await int8Sensitivity(benchCase.file, { shapes: benchCase.shapes, threads: Math.max(...threadCounts), calibrator: { cacheFile }, feeds: batches.slice(0, sensitivityCount) });
    const moved = Object.keys(sensitive.layerPrecisions);
    console.error(`[precision] ${benchCase.name}: int8Sensitivity in ${((performance.now() - started) / 1000).toFixed(0)} s: worst cosine on ${sensitivityCount} calibration inputs ${sensitive.baselineCosine.toFixed(4)} → ${sensitive.cosine.toFixed(4)} with ${moved.length} layer(s) in bf16${moved.length ? `: ${moved.join(', ')}` : ''}`);
  }
  for (const threads of threadCounts) {
    const variants = [
      ['fp32', benchCase.file, {}],
      ['bf16', benchCase.file, { bf16: true }],
      ['fp16', benchCase.file, { fp16: true }],
      ['int8', benchCase.file, { int8: true, calibrator: { cacheFile } }],
      ['int8 Q/DQ', qdq, {}],
      ...(sensitive ? [['int8 + sensitivity', benchCase.file, { int8: true, bf16: true, calibrator: { cacheFile }, precisionConstraints: 'prefer', layerPrecisions: sensitive.layerPrecisions }]] : []),
    ];
    const runtime = new Runtime({ threads });
    const kiln = [];
    for (const [name, source, options] of variants) {
      started = performance.now();
      let int8Note = '';
      const log = (line) => {
        if (/activation tensors stay (int8|bf16)/.test(line)) int8Note = `; ${line.replace(/^Precision: /, '')}`;
      };
      const plan = await buildEngine(source, { shapes: benchCase.shapes, threads, log, ...options });
      const engine = runtime.deserializeEngine(plan);
      kiln.push({ name, context: engine.createExecutionContext(), mix: precisionMix(engine), buildMs: performance.now() - started });
      console.error(`[precision] ${benchCase.name} threads ${threads}: built ${name} (${kiln.at(-1).mix}${int8Note}) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const ortFp32 = await ortSession(benchCase.file, threads);
    const ortQdq = await ortSession(qdq, threads);
    // Accuracy against Kiln fp32 over evalCount seeded inputs (never the calibration inputs).
    const accuracy = Object.fromEntries([...kiln.map((k) => k.name), 'ORT fp32', 'ORT Q/DQ'].map((name) => [name, { cosines: [], same: 0, rows: 0, decisiveSame: 0, decisive: 0 }]));
    for (const feeds of inputsFor(benchCase, evalCount, 5000, 'evaluation')) {
      const outputs = {};
      for (const k of kiln) outputs[k.name] = (await k.context.run(feeds))[outputName];
      outputs['ORT fp32'] = { data: (await ortFp32.run(toOrtFeeds(feeds)))[outputName].data };
      outputs['ORT Q/DQ'] = { data: (await ortQdq.run(toOrtFeeds(feeds)))[outputName].data };
      const reference = outputs.fp32;
      const width = reference.dims.at(-1);
      for (const [name, out] of Object.entries(outputs)) {
        accuracy[name].cosines.push(cosine(out.data, reference.data));
        const [same, rows, decisiveSame, decisive] = top1(out.data, reference.data, width);
        accuracy[name].same += same;
        accuracy[name].rows += rows;
        accuracy[name].decisiveSame += decisiveSame;
        accuracy[name].decisive += decisive;
      }
    }
    // Speed: runners interleaved after a warm-up, in groups (see --interleave): each group's
    // onnxruntime times are that group's own references.
    const feeds = makeInputs(benchCase.model, benchCase.shapes, 7);
    const ortFeeds = toOrtFeeds(feeds);
    const ortRunners = [['ORT fp32', () => ortFp32.run(ortFeeds)], ['ORT Q/DQ', () => ortQdq.run(ortFeeds)]];
    const kilnRunners = kiln.map((k) => [k.name, ((call) => () => call(feeds))(kilnCall(k.context, api))]);
    const runners = [...ortRunners, ...kilnRunners];
    const groups = interleave === 'all'
      ? [runners]
      : kilnRunners.map((runner) => [ortRunners[0], runner, ...(runner[0].startsWith('int8') ? [ortRunners[1]] : [])]);
    const times = Object.fromEntries(runners.map(([name]) => [name, []]));
    const references = {};  // Kiln engine -> the onnxruntime times of its group
    for (const group of groups) {
      const own = Object.fromEntries(group.map(([name]) => [name, []]));
      for (let i = 0; i < 3; i++) for (const [, run] of group) await run();
      for (let i = 0; i < iterations; i++) {
        for (const [name, run] of group) {
          const start = performance.now();
          await run();
          own[name].push(performance.now() - start);
        }
      }
      for (const [name, list] of Object.entries(own)) times[name].push(...list);
      for (const [name] of group) if (!name.startsWith('ORT')) references[name] = own;
    }
    // Per-layer profile (the runtime's profiler): the sum over layers of each layer's fastest run,
    // a steadier view of the kernels' own time than end-to-end medians on a busy machine.
    const layerSums = {};
    for (const k of kiln) {
      const [{ fastest }] = await profileLayers([k.context], feeds, iterations);
      layerSums[k.name] = fastest.reduce((sum, ms) => sum + ms, 0);
    }
    for (const [name] of runners) {
      const k = kiln.find((entry) => entry.name === name);
      const a = accuracy[name];
      const reference = references[name] ?? times;
      const ortMs = median(reference['ORT fp32']);
      const ortQdqMs = reference['ORT Q/DQ']?.length ? median(reference['ORT Q/DQ']) : NaN;
      results.push({
        case: benchCase.name, threads, variant: name, mix: k?.mix ?? '', medianMs: median(times[name]), layerSumMs: layerSums[name],
        vsOrtFp32: ortMs / median(times[name]), vsOrtQdq: name.startsWith('int8') ? ortQdqMs / median(times[name]) : undefined,
        cosineMin: Math.min(...a.cosines), cosineMean: a.cosines.reduce((x, y) => x + y, 0) / a.cosines.length, top1: a.same / a.rows,
        top1Decisive: a.decisive ? a.decisiveSame / a.decisive : undefined, nearTies: a.rows - a.decisive, rows: a.rows,
        buildMs: k?.buildMs, calibrationMs,
      });
    }
    await ortFp32.release?.();
    await ortQdq.release?.();
  }
}

fs.rmSync(work, { recursive: true, force: true });
if (flags.json) {
  for (const row of results) console.log(JSON.stringify(row));
} else {
  console.log('| case | threads | engine | GEMM/conv/MatMul layers | median ms | per-layer sum ms | ORT fp32 / this | ORT Q/DQ / this | cosine min (mean) vs Kiln fp32 | top-1 agreement | top-1 without near ties (ties) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(`| ${r.case} | ${r.threads} | ${r.variant} | ${r.mix} | ${r.medianMs.toFixed(2)} | ${r.layerSumMs === undefined ? '' : r.layerSumMs.toFixed(2)} | ${r.vsOrtFp32.toFixed(2)} | ${r.vsOrtQdq === undefined ? '' : r.vsOrtQdq.toFixed(2)} | ${r.cosineMin.toFixed(4)} (${r.cosineMean.toFixed(4)}) | ${(100 * r.top1).toFixed(1)}% | ${r.top1Decisive === undefined ? '-' : `${(100 * r.top1Decisive).toFixed(1)}%`} (${r.nearTies}/${r.rows}) |`);
  }
  console.log(`Kiln timed with context.${api}(), interleaved ${interleave === 'pairs' ? 'with onnxruntime in pairs' : 'with every runner'}; calibration on ${calibCount} and accuracy on ${evalCount} ${inputKind} inputs${images ? ` (image models: crops of ${images.length} real images, calibration and evaluation on different images)` : ''}`);
  for (const threads of threadCounts) {
    for (const variant of ['fp32', 'bf16', 'fp16', 'int8', 'int8 Q/DQ', 'int8 + sensitivity']) {
      const rows = results.filter((r) => r.threads === threads && r.variant === variant);
      if (rows.length === 0) continue;
      const geomean = Math.exp(rows.reduce((sum, r) => sum + Math.log(r.vsOrtFp32), 0) / rows.length);
      console.log(`geomean ORT fp32 / Kiln ${variant} at ${threads} thread(s): ${geomean.toFixed(3)}`);
    }
  }
}
