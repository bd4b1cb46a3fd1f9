/**
 * Conformance: for the ONNX backend node tests of the core set, inference reproduces the
 * declared output types and shapes (the outputs' recorded shapes are cleared first). Small
 * integer/float inputs are passed as known input values, the way a builder knows the values of
 * shape-tensor inputs in an optimization profile.
 * `shapes-node-expected-passes.txt` lists the cases that must pass; a case that starts passing
 * is reported so the list can grow (`UPDATE_SHAPE_PASSES=1` rewrites it).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { Variable } from '../src/internal/ir/index.js';
import { inferShapes } from '../src/internal/shapes/index.js';
import { loadModel, loadSmallInputValues } from './shapes-load.js';

const ROOT = '/work/shared/onnx-node-tests';
const PASSES_FILE = join(import.meta.dirname, 'shapes-node-expected-passes.txt');
const available = existsSync(join(ROOT, 'core-set.txt'));

export function checkCase(name: string, strict = true): string | undefined {
  const dir = join(ROOT, 'node', name);
  const model = loadModel(join(dir, 'model.onnx'));
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
    inferShapes(model, { strict, inputValues });
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

describe.skipIf(!available)('shape inference on ONNX node tests (core set)', () => {
  test('expected passes still pass', () => {
    const cases = readFileSync(join(ROOT, 'core-set.txt'), 'utf8').split('\n').filter(Boolean);
    const expectedPasses = new Set(existsSync(PASSES_FILE) ? readFileSync(PASSES_FILE, 'utf8').split('\n').filter(Boolean) : []);
    const passing: string[] = [];
    const regressions: string[] = [];
    const failures: string[] = [];
    for (const name of cases) {
      const problem = checkCase(name);
      if (problem === undefined) passing.push(name);
      else {
        failures.push(`${name}: ${problem}`);
        if (expectedPasses.has(name)) regressions.push(`${name}: ${problem}`);
      }
    }
    console.log(`shape inference: ${passing.length}/${cases.length} core node tests pass`);
    if (process.env.SHAPES_VERBOSE) console.log(failures.join('\n'));
    if (process.env.UPDATE_SHAPE_PASSES) writeFileSync(PASSES_FILE, `${passing.join('\n')}\n`);
    expect(regressions).toEqual([]);
  });
});
