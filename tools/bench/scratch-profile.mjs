// per-layer profile of one model in several precisions (scratch, not committed)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildEngine } from '@kiln/builder';
import { calibrate, EntropyCalibrator2, quantizeModel } from '@kiln/calib';
import { load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { benchCases, makeInputs } from './cases.mjs';
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const name = args.model ?? 'mobilenet_v2 batch 1';
const threads = Number(args.threads ?? 1);
const iterations = Number(args.iterations ?? 30);
const which = (args.variants ?? 'fp32,int8,qdq,bf16').split(',');
const c = benchCases(path.resolve('../shared')).find((x) => x.name === name);
const model = await load(new Uint8Array(fs.readFileSync(c.file)));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kp-'));
const cacheFile = path.join(work, 'x.calib');
const batches = Array.from({ length: 8 }, (_, i) => makeInputs(c.model, c.shapes, 1000 + i));
const tensors = [...new Set(model.graph.nodes.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.op)).flatMap((n) => [...n.inputs.slice(0, 2), n.outputs[0]]).filter((v) => v && !v.isConstant).map((v) => v.name))];
const { scales } = await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches, cacheFile, tensors });
const qdq = save(await quantizeModel(model, scales));
const all = { fp32: [c.file, {}], int8: [c.file, { int8: true, calibrator: { cacheFile } }], qdq: [qdq, {}], bf16: [c.file, { bf16: true }] };
const runtime = new Runtime({ threads });
const feeds = makeInputs(c.model, c.shapes, 7);
for (const v of which) {
  const [src, opt] = all[v];
  const plan = await buildEngine(src, { shapes: c.shapes, threads, ...opt });
  const engine = runtime.deserializeEngine(plan);
  const ctx = engine.createExecutionContext();
  const layers = engine.inspect().layers;
  for (let i = 0; i < 3; i++) await ctx.run(feeds);
  const times = [];
  for (let i = 0; i < iterations; i++) { const t = performance.now(); await ctx.run(feeds); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  ctx.setProfiling(true);
  const fastest = [];
  let prof;
  for (let i = 0; i < iterations; i++) { await ctx.run(feeds); prof = ctx.lastProfile(); prof.forEach((e, j) => (fastest[j] = Math.min(fastest[j] ?? Infinity, e.ms))); }
  ctx.setProfiling(false);
  const sum = fastest.reduce((a, b) => a + b, 0);
  console.log(`== ${v} threads ${threads}: median ${times[times.length >> 1].toFixed(3)} min ${times[0].toFixed(3)} layer-sum ${sum.toFixed(3)}`);
  if (args.layers !== '0') prof.forEach((e, j) => { const l = layers[j]; console.log(`${fastest[j].toFixed(4)}  ${(l?.tactic ?? '').padEnd(40)} ${e.name} ${l ? JSON.stringify(l.outputs?.map?.((o) => o.shape ?? o) ?? '') : ''}`); });
}
fs.rmSync(work, { recursive: true, force: true });
