import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/demo.mjs';

const app = path.join(__dirname, '..');
const sample = path.join(app, 'data', 'sample.png');
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-demo-cache-'));
afterAll(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

function demo(...args) {
  return spawnSync(process.execPath, [path.join(app, 'bin', 'demo.mjs'), ...args], { encoding: 'utf8', timeout: 60_000 });
}

describe('the demo', () => {
  it('reads the sample image on Kiln, then loads the cached plans on the second start', async () => {
    const printed = [];
    // Builder level 0 (heuristic tactics) keeps the test quick; `pnpm demo` times tactics.
    const options = { image: sample, cacheDir, runs: 2, level: 0, quiet: true, print: (line) => printed.push(line) };
    const first = await runDemo(options);
    expect(first.lines.map((line) => line.text).slice(0, 2)).toEqual(['Kiln turns ONNX models', 'into fast engines for Node.js']);
    expect(first.lines[2].text.replace(/ /g, '')).toBe('Invoice2026-0417:3kilns,128.50EUR');
    expect(first.plans.map((plan) => plan.loaded)).toEqual([false, false]);
    expect(printed.join('\n')).toMatch(/detection \[1, 3, 192, 640\] +Kiln +[\d.]+ ms +onnxruntime-node +[\d.]+ ms/);
    expect(printed.join('\n')).toContain('onnxruntime-node reads the same text on 3 of 3 lines.');

    const second = await runDemo({ ...options, print: () => {} });
    expect(second.plans.map((plan) => plan.loaded)).toEqual([true, true]);
    expect(second.plans.map((plan) => plan.file)).toEqual(first.plans.map((plan) => plan.file));
    expect(second.lines).toEqual(first.lines);
  }, 600_000);

  it('rebuilds a cached plan that no longer loads', async () => {
    const [plan] = fs.readdirSync(cacheDir).filter((name) => name.startsWith('detection-'));
    fs.writeFileSync(path.join(cacheDir, plan), 'not a plan');
    const printed = [];
    const result = await runDemo({ image: sample, cacheDir, runs: 1, level: 0, quiet: true, print: (line) => printed.push(line) });
    expect(result.plans.map((entry) => entry.loaded)).toEqual([false, true]);
    expect(printed.join('\n')).toMatch(/does not load \(\[ERR_PLAN_\w+\]\); rebuilding it/);
  }, 600_000);

  it('fails fast and clearly on an unreadable or invalid input image', () => {
    const missing = demo(`--image=${path.join(cacheDir, 'missing.png')}`);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('[ERR_DEMO_INPUT] Cannot read the input image');
    expect(missing.stderr).toContain('ENOENT');
    const text = path.join(cacheDir, 'not-an-image.png');
    fs.writeFileSync(text, 'hello');
    const invalid = demo(`--image=${text}`);
    expect(invalid.status).toBe(1);
    expect(invalid.stderr).toContain('[ERR_DEMO_INPUT]');
    expect(invalid.stderr).toContain('no PNG signature');
  });

  it('rejects unknown options', () => {
    const result = demo('--imgae=x.png');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('unknown option --imgae');
  });
});
