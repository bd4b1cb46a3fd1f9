#!/usr/bin/env node
// The repository's one test command (`pnpm test`): builds, runs every package's vitest suite,
// the repository checks and the native/conformance tiers, then prints one closing line
// `N passed, N failed, N skipped` summed over everything that ran.
//
// Each step is a command. vitest steps report through their JSON reporter; other steps either
// print their own `N passed, N failed` line (which is added in) or count as one check. Failed
// vitest tests are named again just above the closing line, where a log's tail still shows them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const resultsDir = path.join(root, '.test-results');
const only = process.argv.slice(2);

/** @type {{ name: string, command: string, args: string[], vitest?: boolean, optional?: () => string | undefined }[]} */
const steps = [
  { name: 'build', command: 'pnpm', args: ['exec', 'turbo', 'run', 'build', '--output-logs=errors-only'] },
  { name: 'lint', command: 'pnpm', args: ['exec', 'turbo', 'run', 'lint', '--output-logs=errors-only'] },
  { name: 'typecheck', command: 'pnpm', args: ['exec', 'turbo', 'run', 'typecheck', '--output-logs=errors-only'] },
  { name: 'boundaries', command: 'node', args: ['tools/boundaries/cli.mjs'], optional: () => missing('tools/boundaries/cli.mjs') },
  { name: 'changesets', command: 'node', args: ['tools/scripts/check-changesets.mjs'], optional: () => missing('tools/scripts/check-changesets.mjs') },
  { name: 'deprecations', command: 'node', args: ['tools/deprecations/cli.mjs', 'check'], optional: () => missing('tools/deprecations/cli.mjs') },
  ...workspaceTestSteps(),
  { name: 'conformance', command: 'node', args: ['tools/conformance/run.mjs'] },
];

function missing(file) {
  return fs.existsSync(path.join(root, file)) ? undefined : `${file} does not exist yet`;
}

/** One vitest step per workspace package that has a `test` script. */
function workspaceTestSteps() {
  const folders = ['packages', 'apps'].flatMap((group) =>
    fs.existsSync(path.join(root, group)) ? fs.readdirSync(path.join(root, group)).map((name) => path.join(group, name)) : [],
  );
  folders.push('tools');
  const result = [];
  for (const folder of folders.sort()) {
    const manifest = path.join(root, folder, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8'));
    for (const [script, body] of Object.entries(pkg.scripts ?? {})) {
      if (script !== 'test' && !script.startsWith('test:')) continue;
      const isVitest = /^vitest run\b/.test(body);
      result.push({ name: `${pkg.name} ${script}`, command: 'pnpm', args: ['--dir', folder, 'run', script], vitest: isVitest, folder });
    }
  }
  return result;
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];
const failedTests = [];
fs.rmSync(resultsDir, { recursive: true, force: true });
fs.mkdirSync(resultsDir, { recursive: true });

for (const step of steps) {
  if (only.length > 0 && !only.some((word) => step.name.includes(word))) continue;
  const why = step.optional?.();
  if (why !== undefined) {
    console.log(`\n── ${step.name}: skipped (${why})`);
    totals.skipped += 1;
    continue;
  }
  console.log(`\n── ${step.name}`);
  const args = [...step.args];
  const jsonFile = path.join(resultsDir, `${step.name.replace(/[^A-Za-z0-9]+/g, '_')}.json`);
  if (step.vitest) args.push('--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`);
  const started = Date.now();
  const run = spawnSync(step.command, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  process.stdout.write(output);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const report = step.vitest ? vitestReport(jsonFile) : undefined;
  const counts = step.vitest ? vitestCounts(report) : plainCounts(output);
  if (report) failedTests.push(...vitestFailures(report, step.name));
  if (counts) {
    totals.passed += counts.passed;
    totals.failed += counts.failed;
    totals.skipped += counts.skipped;
  }
  const ok = run.status === 0 && (!counts || counts.failed === 0);
  if (!ok) {
    failures.push(step.name);
    if (!counts || counts.failed === 0) totals.failed += 1;
  } else if (!counts) {
    totals.passed += 1;
  }
  console.log(`── ${step.name}: ${ok ? 'ok' : `FAILED (exit ${run.status})`} in ${seconds}s`);
}

/** The step's vitest JSON report, or undefined when it wrote none. */
function vitestReport(file) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
}

function vitestCounts(report) {
  if (!report) return undefined;
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

/** `step: file > test: first line of the failure` for each failed test (or file that failed to load). */
function vitestFailures(report, stepName) {
  const firstLine = (text) => (text ?? '').split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 200) ?? '';
  const lines = [];
  for (const result of report.testResults ?? []) {
    const where = path.relative(root, result.name);
    const failed = (result.assertionResults ?? []).filter((test) => test.status === 'failed');
    for (const test of failed) lines.push(`${stepName}: ${where} > ${test.fullName}: ${firstLine(test.failureMessages?.[0])}`);
    if (failed.length === 0 && result.status === 'failed') lines.push(`${stepName}: ${where}: ${firstLine(result.message)}`);
  }
  return lines;
}

function plainCounts(output) {
  const lines = output.split('\n').reverse();
  // A step may state how it wants to be counted (conformance: known failures count as skipped).
  const aggregate = lines.find((line) => line.startsWith('aggregate: '));
  if (aggregate) return plainCounts(aggregate.slice('aggregate: '.length));
  for (const line of lines) {
    const match = /^(?:\w+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/.exec(line.trim());
    if (match) return { passed: Number(match[1]), failed: Number(match[2]), skipped: Number(match[3] ?? 0) };
  }
  return undefined;
}

console.log('');
const shown = 20;
if (failedTests.length > 0) console.log(`Failed tests:\n${failedTests.slice(0, shown).map((line) => `  ${line}`).join('\n')}`);
if (failedTests.length > shown) console.log(`  ... and ${failedTests.length - shown} more (.test-results/*.json)`);
if (failures.length > 0) console.log(`Failed steps: ${failures.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exitCode = failures.length > 0 ? 1 : 0;
