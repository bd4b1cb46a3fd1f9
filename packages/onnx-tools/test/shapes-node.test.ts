/**
 * Conformance: for the ONNX backend node tests of the core set, inference reproduces the
 * declared output types and shapes (the outputs' recorded shapes are cleared first). Small
 * integer/float inputs are passed as known input values, the way a builder knows the values of
 * shape-tensor inputs in an optimization profile.
 * `shapes-node-expected-passes.txt` (core set) and `shapes-node-all-expected-passes.txt` (all
 * 1802 cases) list the cases that must pass; `UPDATE_SHAPE_PASSES=1` rewrites them and
 * `SHAPES_VERBOSE=1` prints every failure. Cases that cannot pass are data-dependent extents
 * (NonZero, Unique, Compress, NonMaxSuppression), sequence/optional/string ops and ops without
 * a rule.
 */
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Variable } from '../src/internal/ir/index.js';
import { inferShapes } from '../src/internal/shapes/index.js';
import { loadModel, loadSmallInputValues } from './shapes-load.js';
import { SHARED } from './shared.js';

const ROOT = join(SHARED, 'onnx-node-tests');
const PASSES_FILE = join(import.meta.dirname, 'shapes-node-expected-passes.txt');
const ALL_PASSES_FILE = join(import.meta.dirname, 'shapes-node-all-expected-passes.txt');
const available = existsSync(join(ROOT, 'core-set.txt'));

async function checkCase(name: string): Promise<string | undefined> {
  const dir = join(ROOT, 'node', name);
  const model = await loadModel(join(dir, 'model.onnx'));
  const inputValues = loadSmallInputValues(dir, model);
  const expected = model.graph.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape }));
  for (const output of model.graph.outputs) {
    if (output instanceof Variable) {
      output.dtype = undefined;
      output.shape = undefined;
    }
  }
  model.graph.valueInfo = [];
  try {
    inferShapes(model, { strict: true, inputValues });
  } catch (error) {
    return String((error as Error).message).split('\n')[0];
  }
  const problems: string[] = [];
  model.graph.outputs.forEach((output, i) => {
    const want = expected[i];
    const got = JSON.stringify({ dtype: output.dtype, shape: output.shape });
    if (got !== JSON.stringify({ dtype: want?.dtype, shape: want?.shape })) problems.push(`output ${i} '${output.name}': got ${got}, expected ${JSON.stringify(want)}`);
  });
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Runs `cases`, fails on any case listed in `passesFile` that no longer passes. */
async function runSet(label: string, cases: string[], passesFile: string): Promise<void> {
  const expectedPasses = new Set(existsSync(passesFile) ? readFileSync(passesFile, 'utf8').split('\n').filter(Boolean) : []);
  const passing: string[] = [];
  const regressions: string[] = [];
  const failures: string[] = [];
  for (const name of cases) {
    let problem: string | undefined;
    try {
      problem = await checkCase(name);
    } catch (error) {
      problem = `load failed: ${String(error).split('\n')[0]}`;
    }
    if (problem === undefined) passing.push(name);
    else {
      failures.push(`${name}: ${problem}`);
      if (expectedPasses.has(name)) regressions.push(`${name}: ${problem}`);
    }
  }
  console.log(`shape inference: ${passing.length}/${cases.length} ${label} pass`);
  if (process.env.SHAPES_VERBOSE) console.log(failures.join('\n'));
  if (process.env.UPDATE_SHAPE_PASSES) writeFileSync(passesFile, `${passing.join('\n')}\n`);
  expect(regressions).toEqual([]);
}

describe.skipIf(!available)('shape inference on ONNX node tests', () => {
  test('core set: expected passes still pass', async () => {
    const cases = readFileSync(join(ROOT, 'core-set.txt'), 'utf8').split('\n').filter(Boolean);
    await runSet('core-set node tests', cases, PASSES_FILE);
  }, 60_000);

  test('all node tests: expected passes still pass', async () => {
    const cases = readdirSync(join(ROOT, 'node')).sort();
    await runSet('node tests (all ops)', cases, ALL_PASSES_FILE);
  }, 120_000);
});
