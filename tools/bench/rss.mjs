// Child process for peak RSS: load and run one model with one runtime, then report maxRSS.
import { buildEngine } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import * as ort from 'onnxruntime-node';
import { makeInputs } from './cases.mjs';

const [runtimeName, file, shapesJson, threadsText] = process.argv.slice(2);
const shapes = JSON.parse(shapesJson);
const threads = Number(threadsText);
const inputs = Object.fromEntries(Object.entries(shapes).map(([name, dims]) => [name, { name, dtype: 'float32', shape: dims }]));
const feeds = makeInputs({ inputs: Object.values(inputs) }, shapes);
if (runtimeName === 'kiln') {
  const plan = await buildEngine(file, { shapes, threads, builderOptimizationLevel: 0 });
  const context = new Runtime({ threads }).deserializeEngine(plan).createExecutionContext();
  for (let i = 0; i < 20; i++) await context.run(feeds);
} else {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: threads, graphOptimizationLevel: 'all' });
  const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.type, t.data, t.dims)]));
  for (let i = 0; i < 20; i++) await session.run(ortFeeds);
}
console.log(JSON.stringify({ maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
