import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Runtime } from '@kiln/runtime';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/index.js';
import { CHROMIUM_ARGS, findChromium, screenshotDir } from './browser.js';
import { towerPlan } from './synthetic-plan.js';

// The page must render in a real browser. Under CI the browser is installed by .ci/run, so a
// missing one fails; elsewhere the test is skipped with a note saying how to get it.
const executablePath = findChromium();
const inCi = process.env.CI === 'true';
if (!executablePath && !inCi) console.warn('inspect-html: skipped, Debian chromium not installed (apt-get install -y chromium)');

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-inspect-html-'));
const planFile = path.join(folder, 'tower.plan');
const profileFile = path.join(folder, 'tower.profile.json');
const htmlFile = path.join(folder, 'tower.html');
let layerCount = 0;

beforeAll(async () => {
  const plan = await towerPlan(120);
  fs.writeFileSync(planFile, plan);
  layerCount = new Runtime().deserializeEngine(plan).inspect().layers.length;
  expect(await main(['bench', `--loadEngine=${planFile}`, '--iterations=2', '--duration=0', '--warmUp=0', `--exportProfile=${profileFile}`])).toBe(0);
  expect(await main(['inspect', `--loadEngine=${planFile}`, `--html=${htmlFile}`, `--profile=${profileFile}`])).toBe(0);
}, 120_000);

afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));

describe('kiln inspect --html', () => {
  it('writes one self-contained file for a plan of hundreds of layers', () => {
    expect(layerCount).toBeGreaterThanOrEqual(300);
    const html = fs.readFileSync(htmlFile, 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<(link|img|iframe)\b|src=["']http|@import/);
  });

  it.runIf(executablePath || inCi)('renders in headless Chromium, lazily, with the profile chart and layer details', async () => {
    if (!executablePath) throw new Error('CI=true but Debian chromium is not on PATH: .ci/run must apt-get install chromium.');
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('request', (request) => !request.url().startsWith('file:') && problems.push(`fetched ${request.url()}`));
      const started = Date.now();
      await page.goto(pathToFileURL(htmlFile).href);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      const loadMs = Date.now() - started;
      expect(loadMs).toBeLessThan(5_000);

      // Only rows near the viewport are drawn, and scrolling draws the rest.
      const drawn = await page.locator('#canvas g.node').count();
      expect(drawn).toBeGreaterThan(3);
      expect(drawn).toBeLessThan(layerCount / 2);
      await page.screenshot({ path: path.join(screenshotDir(), 'inspector-top.png') });
      // (Page code as strings: this package compiles without DOM types.)
      await page.evaluate("document.getElementById('graph').scrollTop = document.getElementById('graph').scrollHeight");
      // (A selector wait: a string predicate would need eval, which the page's CSP forbids.)
      await page.waitForSelector('#canvas g.node.output', { state: 'attached', timeout: 5_000 });

      // The profile chart names the slowest layers; clicking a bar selects that layer.
      const bars = page.locator('#profile rect.bar');
      expect(await bars.count()).toBeGreaterThan(25);
      await bars.first().click();
      await expect.poll(() => page.locator('#canvas g.node.selected').count()).toBe(1);
      const details = await page.locator('#details').innerText();
      expect(details).toMatch(/fused onnx nodes \(\d+\)/i);
      expect(details).toContain('tactic');

      // Search finds every Pooling layer and jumps to them.
      await page.fill('#search', 'Pooling');
      expect(await page.locator('#search-status').innerText()).toMatch(/^120 matches/);
      await page.press('#search', 'Enter');
      expect(await page.locator('#details h3').innerText()).toMatch(/^maxpool/);
      await page.screenshot({ path: path.join(screenshotDir(), 'inspector-search.png') });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
