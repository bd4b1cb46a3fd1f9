#!/usr/bin/env node
// ONNX backend node-test conformance through Kiln's public path: buildEngine (the test's input
// shapes fixed) → Runtime.deserializeEngine → createExecutionContext → run, compared with the
// expected outputs by the ONNX backend-test rules (rtol 1e-3, atol 1e-7 for floats; exact for
// integers, bool and strings; NaN equals NaN; same dtype and shape).
//
//   node tools/conformance/run.mjs [--filter=REGEX] [--core] [--update-expected] [--json=FILE]
//
// Prints a per-op table and ends with `N passed, N failed, N skipped`. Exits non-zero only when
// a case listed in expected-passes.txt no longer passes (a regression).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildEngine } from '@kiln/builder';
import { KilnError, readFlag } from '@kiln/common';
import { load, loadTensor } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { compareTensors } from './compare.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const shared = readFlag('KILN_SHARED_DIR') ?? path.resolve(root, '../shared');
const nodeDir = path.join(shared, 'onnx-node-tests', 'node');
const args = new Map(process.argv.slice(2).map((arg) => [arg.replace(/^--/, '').split('=')[0], arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : true]));
const expectedFile = path.join(here, 'expected-passes.txt');

if (!fs.existsSync(nodeDir)) {
  console.log(`conformance: ${nodeDir} not found; set KILN_SHARED_DIR`);
  console.log('0 passed, 0 failed, 1 skipped');
  process.exit(0);
}

const skipRules = fs.readFileSync(path.join(here, 'skips.txt'), 'utf8').split('\n').filter((line) => line.trim() && !line.startsWith('#')).map((line) => {
  const [pattern, ...reason] = line.trim().split(/\s{2,}/);
  const regex = pattern.startsWith('/') ? new RegExp(pattern.slice(1, -1)) : new RegExp(`^${pattern}`);
  return { regex, reason: reason.join(' ') };
});
const core = new Set(fs.readFileSync(path.join(shared, 'onnx-node-tests', 'core-set.txt'), 'utf8').split('\n').map((line) => line.trim()).filter(Boolean));
const filter = typeof args.get('filter') === 'string' ? new RegExp(args.get('filter')) : undefined;
let cases = fs.readdirSync(nodeDir).filter((name) => fs.existsSync(path.join(nodeDir, name, 'model.onnx'))).sort();
if (args.has('core')) cases = cases.filter((name) => core.has(name));
if (filter) cases = cases.filter((name) => filter.test(name));

const runtime = new Runtime();
/** Op under test per single-node case (expanded cases borrow their base case's op). */
const ops = new Map();
const results = [];
const started = performance.now();
for (const name of cases) {
  const skip = skipRules.find((rule) => rule.regex.test(name));
  if (skip) {
    results.push({ name, status: 'skipped', reason: skip.reason });
    continue;
  }
  if (args.has('trace')) process.stderr.write(`${name}\n`);
  results.push(await runCase(name));
}

async function runCase(name) {
  const dir = path.join(nodeDir, name);
  const dataDir = path.join(dir, 'test_data_set_0');
  try {
    const bytes = fs.readFileSync(path.join(dir, 'model.onnx'));
    const inputFiles = fs.readdirSync(dataDir).filter((file) => /^input_\d+\.pb$/.test(file)).sort((a, b) => order(a) - order(b));
    const outputFiles = fs.readdirSync(dataDir).filter((file) => /^output_\d+\.pb$/.test(file)).sort((a, b) => order(a) - order(b));
    const model = await load(bytes);
    ops.set(name, model.graph.nodes.length === 1 ? model.graph.nodes[0].op : undefined);
    const inputNames = model.graph.inputs.filter((value) => !value.isConstant).map((value) => value.name);
    const feeds = {};
    const shapes = {};
    inputNames.forEach((input, i) => {
      const tensor = loadTensor(fs.readFileSync(path.join(dataDir, inputFiles[i])));
      feeds[input] = tensor;
      shapes[input] = [...tensor.dims];
    });
    const plan = await buildEngine(bytes, { builderOptimizationLevel: 0, shapes });
    const engine = runtime.deserializeEngine(plan);
    const outputs = await engine.createExecutionContext().run(feeds);
    const layers = engine.inspect().layers;
    const fallback = layers.filter((layer) => layer.tactic === 'reference').length;
    for (const [i, output] of engine.outputs.entries()) {
      const expected = loadTensor(fs.readFileSync(path.join(dataDir, outputFiles[i])));
      const problem = compareTensors(outputs[output.name], expected);
      if (problem) return { name, status: 'failed', reason: `output ${output.name}: ${problem}` };
    }
    return { name, status: 'passed', native: fallback === 0 };
  } catch (error) {
    const code = KilnError.isInstance(error) ? error.code : 'UNCODED';
    return { name, status: 'failed', reason: `${code}: ${String(error.message ?? error).split('\n')[0]}` };
  }
}

function order(file) {
  return Number(/_(\d+)\.pb$/.exec(file)[1]);
}

// ---- report ----
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const byOp = new Map();
for (const result of results) {
  const base = result.name.replace(/_expanded.*$/, '');
  const op = ops.get(result.name) ?? ops.get(base) ?? (result.name.includes('_expanded') ? 'function expansions' : 'other');
  const row = byOp.get(op) ?? { passed: 0, native: 0, failed: 0, skipped: 0 };
  row[result.status]++;
  if (result.status === 'passed' && result.native) row.native++;
  byOp.set(op, row);
}
console.log('op'.padEnd(34), 'passed', 'native', 'failed', 'skipped');
for (const [op, row] of [...byOp].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(op.padEnd(34), String(row.passed).padStart(6), String(row.native).padStart(6), String(row.failed).padStart(6), String(row.skipped).padStart(7));
}
const passed = results.filter((r) => r.status === 'passed');
const failed = results.filter((r) => r.status === 'failed');
const skipped = results.filter((r) => r.status === 'skipped');
const native = passed.filter((r) => r.native).length;
const corePassed = passed.filter((r) => core.has(r.name)).length;
const coreTotal = results.filter((r) => core.has(r.name)).length;
if (args.get('verbose') || failed.length <= 40) for (const r of failed) console.log(`FAIL ${r.name}: ${r.reason}`);
const expected = fs.existsSync(expectedFile) ? new Set(fs.readFileSync(expectedFile, 'utf8').split('\n').filter(Boolean)) : new Set();
const ran = new Set(results.map((r) => r.name));
const regressions = [...expected].filter((name) => ran.has(name) && !passed.some((r) => r.name === name));
if (args.has('update-expected')) {
  fs.writeFileSync(expectedFile, `${passed.map((r) => r.name).sort().join('\n')}\n`);
  console.log(`wrote ${passed.length} names to ${path.relative(root, expectedFile)}`);
}
if (typeof args.get('json') === 'string') fs.writeFileSync(args.get('json'), JSON.stringify(results, null, 1));
for (const name of regressions) console.log(`REGRESSION ${name}: ${failed.find((r) => r.name === name)?.reason ?? 'not passing'}`);
console.log(`core set: ${corePassed}/${coreTotal} passed; passing cases on native kernels only: ${native}, with reference fallback: ${passed.length - native}; ${seconds} s`);
console.log(`aggregate: ${passed.length} passed, ${regressions.length} failed, ${failed.length - regressions.length + skipped.length} skipped`);
console.log(`${passed.length} passed, ${failed.length} failed, ${skipped.length} skipped`);
process.exitCode = regressions.length > 0 ? 1 : 0;
