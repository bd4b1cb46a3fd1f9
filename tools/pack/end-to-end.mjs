// The end-to-end step of the pack test: with only the installed tarballs (no workspace links),
// build a small network with @kiln/builder, load the plan with @kiln/runtime, run it from both
// ESM and CJS, and compare with @kiln/onnx-tools' reference evaluator. It switches itself on
// when the installed @kiln/runtime exports `Runtime` (detected by export presence).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const ESM = `
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '@kiln/builder';
import { Runtime } from '@kiln/runtime';
import { evaluate, load, save } from '@kiln/onnx-tools';
const network = new NetworkDefinition();
const x = network.addInput('x', 'float32', ['N', 4]);
const w = network.addConstant({ type: 'float32', dims: [4, 3], data: Float32Array.from({ length: 12 }, (_, i) => (i % 5) / 5 - 0.4) });
const b = network.addConstant({ type: 'float32', dims: [3], data: new Float32Array([0.1, -0.2, 0.3]) });
network.markOutput(network.addActivation(network.addElementwise(network.addMatrixMultiply(x, w), b, 'Add'), 'Relu'), 'y');
const config = new BuilderConfig();
config.addOptimizationProfile({ x: { min: [1, 4], opt: [2, 4], max: [4, 4] } });
const plan = await buildSerializedNetwork(network, config);
const feeds = { x: { type: 'float32', dims: [2, 4], data: Float32Array.from({ length: 8 }, (_, i) => i / 4 - 1) } };
const mine = await new Runtime().deserializeEngine(plan).createExecutionContext().run(feeds);
const reference = await evaluate(await load(save(network.model)), feeds);
const diff = Math.max(...Array.from(mine.y.data, (v, i) => Math.abs(v - reference.y.data[i])));
if (!(diff < 1e-5)) throw new Error('kiln and reference differ by ' + diff);
console.log('esm ok ' + mine.y.dims.join('x'));
`;

const CJS = `
const { buildEngine } = require('@kiln/builder');
const { Runtime } = require('@kiln/runtime');
const fs = require('node:fs');
(async () => {
  const plan = await buildEngine(fs.readFileSync(process.argv[2]), { shapes: { x: [2, 4] } });
  const engine = new Runtime().deserializeEngine(plan);
  const out = engine.createExecutionContext().runSync({ x: { type: 'float32', dims: [2, 4], data: new Float32Array(8).fill(0.5) } });
  console.log('cjs ok ' + out.y.dims.join('x'));
})().catch((error) => { console.error(error); process.exit(1); });
`;

/**
 * @param {{ scratch: string, log: (line: string) => void }} options  scratch: the installed project
 * @returns {Promise<'skipped' | 'passed'>}
 */
export async function endToEnd({ scratch, log }) {
  const run = promisify(execFile);
  const probe = await run(process.execPath, ['--input-type=module', '-e', "const m = await import('@kiln/runtime'); console.log(typeof m.Runtime);"], { cwd: scratch, encoding: 'utf8' }).catch(() => ({ stdout: '' }));
  if (probe.stdout.trim() !== 'function') {
    log('end-to-end: skipped (@kiln/runtime is not installed here or does not export Runtime yet)');
    return 'skipped';
  }
  fs.writeFileSync(path.join(scratch, 'e2e.mjs'), ESM);
  fs.writeFileSync(path.join(scratch, 'e2e.cjs'), CJS);
  const esm = await run(process.execPath, ['e2e.mjs'], { cwd: scratch, encoding: 'utf8' });
  log(`end-to-end: ${esm.stdout.trim()}`);
  // The CJS run builds from ONNX bytes written by the ESM side's model-building API.
  const model = await run(process.execPath, ['--input-type=module', '-e', `
    import { GraphBuilder, save } from '@kiln/onnx-tools';
    import fs from 'node:fs';
    const g = new GraphBuilder('tiny');
    const x = g.input('x', 'float32', [2, 4]);
    const y = g.layer('Relu', [x]);
    y.name = 'y';
    g.output(y);
    fs.writeFileSync('tiny.onnx', save(g.toModel({ opset: 17 })));
  `], { cwd: scratch, encoding: 'utf8' }).catch((error) => error);
  if (model instanceof Error) throw model;
  const cjs = await run(process.execPath, ['e2e.cjs', 'tiny.onnx'], { cwd: scratch, encoding: 'utf8' });
  log(`end-to-end: ${cjs.stdout.trim()}`);
  return 'passed';
}
