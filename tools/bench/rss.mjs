// Child process for peak RSS: one runtime, one model, nothing else loaded — Kiln loads a plan the
// parent built (building is not running), onnxruntime-node creates its session — then 20 runs
// and the process's maxRSS.
//   node rss.mjs kiln <plan file> <model file> <shapes json> <threads>
//   node rss.mjs ort  -           <model file> <shapes json> <threads>
import fs from 'node:fs';
import { makeInputs } from './cases.mjs';

const [runtimeName, planFile, file, shapesJson, threadsText] = process.argv.slice(2);
const shapes = JSON.parse(shapesJson);
const threads = Number(threadsText);
const inputs = Object.fromEntries(Object.entries(shapes).map(([name, dims]) => [name, { name, dtype: 'float32', shape: dims }]));
const feeds = makeInputs({ inputs: Object.values(inputs) }, shapes);
if (runtimeName === 'kiln') {
  const { Runtime } = await import('@kiln/runtime');
  const context = new Runtime({ threads }).deserializeEngine(fs.readFileSync(planFile)).createExecutionContext();
  for (let i = 0; i < 20; i++) await context.run(feeds);
} else {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
  for (let i = 0; i < 20; i++) await session.run(ortFeeds);
}
// VmHWM is this process image's own peak. getrusage's maxRSS is not: Linux carries it across
// fork+exec, so every child of a large parent would report at least the parent's peak.
function peakRssBytes() {
  try {
    const match = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS * 1024;
}
console.log(JSON.stringify({ maxRssBytes: peakRssBytes() }));
