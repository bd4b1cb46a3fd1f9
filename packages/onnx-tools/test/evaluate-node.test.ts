// The evaluator driver over ONNX backend node tests: every case the reference ops pass
// (ops-expected-passes.txt) must also pass through load() + evaluate().
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { evaluate, load, loadTensor } from '../src/index.js';
import { compareTensors } from '../src/internal/evaluate/compare.js';
import { SHARED } from './shared.js';

const NODE_TESTS = join(SHARED, 'onnx-node-tests', 'node');
const EXPECTED = join(import.meta.dirname, 'ops-expected-passes.txt');

async function runCase(name: string): Promise<string | undefined> {
  const dir = join(NODE_TESTS, name);
  const model = await load(join(dir, 'model.onnx'));
  const dataDir = join(dir, 'test_data_set_0');
  const files = readdirSync(dataDir);
  const feeds: Record<string, ReturnType<typeof loadTensor>> = {};
  const inputs = model.graph.inputs.filter((v) => !v.isConstant);
  inputs.forEach((input, i) => {
    if (files.includes(`input_${i}.pb`)) feeds[input.name] = loadTensor(readFileSync(join(dataDir, `input_${i}.pb`)));
  });
  const outputs = await evaluate(model, feeds);
  for (const [i, value] of model.graph.outputs.entries()) {
    const expected = loadTensor(readFileSync(join(dataDir, `output_${i}.pb`)));
    const problem = compareTensors(outputs[value.name], expected, `${name} output ${i} (${value.name})`);
    if (problem) return problem;
  }
  return undefined;
}

describe.skipIf(!existsSync(NODE_TESTS) || !existsSync(EXPECTED))('evaluate() over node tests', () => {
  it('passes every case the reference ops pass; every other failure is a KilnError', async () => {
    const expected = readFileSync(EXPECTED, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    const failures: string[] = [];
    let skipped = 0;
    for (const name of expected) {
      try {
        const problem = await runCase(name);
        if (problem) failures.push(problem);
      } catch (error) {
        // Sequence/optional test data is not a TensorProto.
        if (KilnError.isInstance(error, 'ERR_ONNX_PARSE')) skipped++;
        else failures.push(`${name}: ${error instanceof Error ? error.message.split('\n').slice(0, 3).join(' | ') : String(error)}`);
      }
    }
    console.log(`evaluate(): ${expected.length - failures.length - skipped}/${expected.length} pass, ${skipped} skipped`);
    expect(failures).toEqual([]);
  }, 120_000);

  it('fails only with coded KilnErrors on the cases it cannot run', async () => {
    const uncoded: string[] = [];
    let passed = 0;
    const cases = readdirSync(NODE_TESTS).filter((n) => n.startsWith('test_')).sort();
    for (const name of cases) {
      try {
        if ((await runCase(name)) === undefined) passed++;
      } catch (error) {
        if (!KilnError.isInstance(error)) uncoded.push(`${name}: ${String(error).split('\n')[0]}`);
      }
    }
    console.log(`evaluate(): ${passed}/${cases.length} node tests pass`);
    expect(uncoded).toEqual([]);
  }, 300_000);
});
