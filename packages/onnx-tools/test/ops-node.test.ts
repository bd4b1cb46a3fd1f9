// Runs every ONNX backend node-test case through the reference ops (single-node models, plus
// multi-node and control-flow cases through a tiny test-only graph walker) and checks that every
// case listed in ops-expected-passes.txt still passes. The current pass list is written to
// <tmpdir>/kiln-ops-passes.txt; copy it over ops-expected-passes.txt after adding ops.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CaseResult, runCase } from './ops-support/run-case.js';
import { SHARED } from './shared.js';

const NODE_TESTS = join(SHARED, 'onnx-node-tests', 'node');
const CORE_SET = join(SHARED, 'onnx-node-tests', 'core-set.txt');
const EXPECTED = join(import.meta.dirname, 'ops-expected-passes.txt');

function readList(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean) : [];
}

describe.skipIf(!existsSync(NODE_TESTS))('ONNX node tests through the reference ops', () => {
  it('passes every case in ops-expected-passes.txt', async () => {
    const cases = readdirSync(NODE_TESTS).filter((n) => n.startsWith('test_')).sort();
    const results: CaseResult[] = [];
    for (const name of cases) results.push(await runCase(join(NODE_TESTS, name), name));
    const passed = new Set(results.filter((r) => r.status === 'pass').map((r) => r.name));
    const core = readList(CORE_SET);
    const single = results.filter((r) => !r.name.includes('_expanded'));
    const summary = [
      `all: ${passed.size}/${results.length} pass (${results.filter((r) => r.status === 'skip').length} skipped: sequence/optional/map I/O)`,
      `single-node (no _expanded): ${single.filter((r) => r.status === 'pass').length}/${single.length}`,
      `core set: ${core.filter((n) => passed.has(n)).length}/${core.length}`,
      `core set single-node: ${core.filter((n) => !n.includes('_expanded') && passed.has(n)).length}/${core.filter((n) => !n.includes('_expanded')).length}`,
    ];
    const out = join(tmpdir(), 'kiln-ops-passes.txt');
    writeFileSync(out, `${[...passed].join('\n')}\n`);
    writeFileSync(join(tmpdir(), 'kiln-ops-failures.txt'), results.filter((r) => r.status !== 'pass').map((r) => `${r.name}\t${r.status}\t${r.message}`).join('\n'));
    console.log(`${summary.join('\n')}\npass list: ${out}`);
    const regressions = readList(EXPECTED)
      .filter((name) => !passed.has(name))
      .map((name) => `${name}: ${results.find((r) => r.name === name)?.message ?? 'missing case'}`);
    expect(regressions).toEqual([]);
  }, 300_000);
});
