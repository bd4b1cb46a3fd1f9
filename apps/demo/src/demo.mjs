// The demo: read the text in an image with PaddleOCR's PP-OCRv4 models running on Kiln, compare
// Kiln's speed with onnxruntime-node's on the same models, and keep the plans for next time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createProgressBar } from '@kiln/cli';
import { version } from '@kiln/core-native';
import { load } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { findModels, MODEL_PACKAGE } from './models.mjs';
import { decodeCtc, detectionInput, detectionShape, findTextBoxes, readAlphabet, recognitionInput, REC_PROFILE } from './ocr.mjs';
import { loadOrBuild, shapeLabel } from './plans.mjs';
import { readPng } from './png.mjs';
import { createSession, loadOnnxRuntime, measure, runSession, verdict } from './speed.mjs';

/**
 * @param {{ image: string, cacheDir: string, runs?: number, threads?: number, level?: number, quiet?: boolean, print?: (line: string) => void }} options
 *   `level` is the builder optimization level (3, the default, times tactics; 0 picks by heuristic).
 * @returns {Promise<{ lines: { text: string, confidence: number }[], plans: { file: string, loaded: boolean }[] }>}
 */
export async function runDemo({ image, cacheDir, runs = 20, threads = os.availableParallelism(), level = 3, quiet = false, print = console.log }) {
  const shown = (file) => path.relative(process.cwd(), file) || file;
  const models = findModels();
  const picture = readPng(image);
  print(`Kiln ${version()} demo: reading text with PaddleOCR PP-OCRv4 (${MODEL_PACKAGE}@${models.version}, ${models.license}) on ${threads} threads`);
  print(`Input: ${shown(image)} (${picture.width}×${picture.height})`);

  const runtime = new Runtime({ threads });
  const detectionDims = detectionShape(picture.width, picture.height);
  const stages = [
    { name: 'detection', title: 'Text detection (DBNet)', onnxFile: models.detection, profile: { min: detectionDims, opt: detectionDims, max: detectionDims } },
    { name: 'recognition', title: 'Text recognition (SVTR, CTC)', onnxFile: models.recognition, profile: REC_PROFILE },
  ];
  for (const stage of stages) {
    const progress = createProgressBar({ quiet, label: `  building ${stage.name}` });
    const result = await loadOrBuild({ runtime, ...stage, inputName: 'x', cacheDir, level, progress, note: (line) => print(`  note: ${line}`) });
    Object.assign(stage, result, { context: result.engine.createExecutionContext() });
    const { layers: { length: layers }, target } = result.engine.inspect();
    const how = result.loaded ? `loaded in ${result.ms.toFixed(0)} ms from the plan cache` : `built in ${(result.ms / 1000).toFixed(1)} s and saved`;
    print(`${stage.title}: ${path.basename(stage.onnxFile)}, input ${shapeLabel(stage.profile)} → ${layers} layers (tactics up to ${target.isa}), ${how}: ${shown(result.file)}`);
  }
  const [detection, recognition] = stages;

  // Detect text regions, then read each one.
  const detectionFeeds = { x: detectionInput(picture, detectionDims) };
  const { [detection.engine.outputs[0].name]: map } = await detection.context.run(detectionFeeds);
  const boxes = findTextBoxes(map.data, { width: map.dims[3], height: map.dims[2] }, picture);
  const alphabet = readAlphabet(fs.readFileSync(models.dictionary, 'utf8'));
  const lines = [];
  for (const box of boxes) {
    const feeds = { x: recognitionInput(picture, box) };
    const { [recognition.engine.outputs[0].name]: probabilities } = await recognition.context.run(feeds);
    lines.push({ ...decodeCtc(probabilities.data, probabilities.dims[2], alphabet), box, feeds });
  }
  print('');
  print(`Found ${lines.length} line${lines.length === 1 ? '' : 's'} of text:`);
  for (const line of lines) {
    const where = `at (${line.box.x0}, ${line.box.y0})–(${line.box.x1}, ${line.box.y1})`;
    print(`  “${line.text}”  confidence ${line.confidence.toFixed(3)}, ${where}`);
  }

  const ort = await loadOnnxRuntime();
  print('');
  if (!ort) {
    print('onnxruntime-node is not installed, so there is no speed comparison (pnpm install adds it).');
  } else {
    const recognitionFeeds = lines[0]?.feeds ?? { x: recognitionInput(picture, { x0: 0, y0: 0, x1: picture.width, y1: picture.height }) };
    print(`Kiln vs onnxruntime-node (median of ${runs} runs each, interleaved, ${threads} threads, ORT graph optimizations on):`);
    for (const [stage, feeds] of [[detection, detectionFeeds], [recognition, recognitionFeeds]]) {
      const session = await createSession(ort, stage.onnxFile, threads);
      const times = await measure({ context: stage.context, ort, session, feeds, runs });
      const label = `${stage.name} [${feeds.x.dims.join(', ')}]`.padEnd(30);
      print(`  ${label} Kiln ${times.kilnMs.toFixed(2).padStart(8)} ms   onnxruntime-node ${times.ortMs.toFixed(2).padStart(8)} ms   ${verdict(times)}`);
      print(`    ${await referenceShare(stage, feeds)}`);
      if (stage === recognition) {
        let same = 0;
        for (const line of lines) {
          const { [recognition.engine.outputs[0].name]: reference } = await runSession(ort, session, line.feeds);
          if (decodeCtc(reference.data, reference.dims[2], alphabet).text === line.text) same += 1;
        }
        print(`  onnxruntime-node reads the same text on ${same} of ${lines.length} lines.`);
      }
      await session.release?.();
    }
  }
  print('');
  print(`Plans are cached in ${shown(cacheDir)}/ (the next start loads them; delete the folder to rebuild).`);
  print(`See what the builder did: pnpm kiln inspect --loadEngine=${shown(detection.file)} --html=detection.html`);
  print(`Add per-layer times to that page: pnpm kiln bench --loadEngine=${shown(detection.file)} --dumpProfile --exportProfile=detection.profile.json, then add --profile=detection.profile.json to the inspect command.`);
  return { lines: lines.map(({ text, confidence }) => ({ text, confidence })), plans: stages.map(({ file, loaded }) => ({ file, loaded })) };
}

/** Where Kiln's time goes: the share of layers still on reference (JS) kernels, from one profiled run. */
async function referenceShare(stage, feeds) {
  const layers = stage.engine.inspect().layers;
  stage.context.setProfiling(true);
  await stage.context.run(feeds);
  stage.context.setProfiling(false);
  const profile = stage.context.lastProfile();
  const total = profile.reduce((sum, entry) => sum + entry.ms, 0);
  const reference = layers.flatMap((layer, index) => (layer.tactic === 'reference' ? [{ layer, ms: profile[index].ms }] : []));
  if (reference.length === 0) return `All ${layers.length} layers run on native kernels.`;
  const ms = reference.reduce((sum, entry) => sum + entry.ms, 0);
  const opOf = new Map((await load(stage.onnxFile)).graph.nodes.map((node) => [node.name, node.op]));
  const ops = [...new Set(reference.flatMap((entry) => entry.layer.sources.map((source) => opOf.get(source) ?? source)))];
  return `${reference.length} of ${layers.length} layers (${ops.join(', ')}) have no native Kiln kernel yet and run on reference code: ${((100 * ms) / Math.max(total, 1e-9)).toFixed(0)}% of Kiln's time here.`;
}
