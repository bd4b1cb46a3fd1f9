import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it, vi } from 'vitest';
import { KilnError } from '@kiln/common';
import { layoutGraph } from '../src/internal/html/layout.js';
import { renderEngineHtml } from '../src/internal/html/page.js';
import { readProfile } from '../src/internal/profile.js';
import { main } from '../src/index.js';
import { towerPlan } from './synthetic-plan.js';

describe('engine page layout', async () => {
  const info = new Runtime().deserializeEngine(await towerPlan(12)).inspect();

  it('puts every consumer below its producers and no two boxes on one spot', () => {
    const layout = layoutGraph(info);
    expect(layout.nodes.filter((node) => node.kind === 'layer')).toHaveLength(info.layers.length);
    expect(layout.edges.length).toBeGreaterThanOrEqual(info.layers.length);
    for (const [from, to] of layout.edges) expect(layout.nodes[to]!.level).toBeGreaterThan(layout.nodes[from]!.level);
    const spots = new Set(layout.nodes.map((node) => `${node.x},${node.y}`));
    expect(spots.size).toBe(layout.nodes.length);
    for (const node of layout.nodes) {
      expect(node.x + layout.node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + layout.node.height).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.levels.flat().sort((a, b) => a - b)).toEqual(layout.nodes.map((_, index) => index));
  });

  it('attaches profile times by layer name', () => {
    const layers = info.layers.map((layer, index) => ({ name: layer.name, timeMs: index, averageMs: index / 2, medianMs: index / 2, percentage: 1 }));
    const page = renderEngineHtml(info, { count: 2, layers: layers.slice(1) });
    expect(page.timedLayers).toBe(info.layers.length - 1);
    expect(layoutGraph(info, { count: 2, layers }).nodes.find((node) => node.layer === 3)!.ms).toBe(1.5);
  });

  it('escapes names so the page cannot be broken out of', () => {
    const hostile = { ...info, name: '</script><img src=x>', layers: info.layers.map((layer, index) => (index === 0 ? { ...layer, name: '</script><script>alert(1)</script>' } : layer)) };
    const { html } = renderEngineHtml(hostile);
    expect(html).not.toContain('</script><img');
    expect(html).not.toContain('</script><script>alert');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('kiln bench --dumpProfile prints every layer, slowest first, and the total', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-dump-')), 'tower.plan');
    fs.writeFileSync(file, await towerPlan(4));
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      expect(await main(['bench', `--loadEngine=${file}`, '--iterations=3', '--duration=0', '--warmUp=0', '--dumpProfile'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    const table = printed.find((text) => text.startsWith('=== Profile (3 iterations) ==='))!.split('\n');
    const layers = new Runtime().deserializeEngine(fs.readFileSync(file)).inspect().layers;
    expect(table).toHaveLength(layers.length + 3);
    const times = table.slice(2, -1).map((line) => Number(line.trim().split(/\s+/)[0]));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(table.at(-1)).toMatch(/100\.0 +Total$/);
  });

  it('asks for a plan when --html is given an ONNX model', async () => {
    expect(await main(['inspect', '--onnx=model.onnx', '--html=page.html'])).toBe(1);
  });

  it('rejects a file that is not a profile, saying how to make one', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-profile-')), 'p.json');
    fs.writeFileSync(file, JSON.stringify({ layers: [] }));
    expect(() => readProfile(file)).toThrowError(/not a per-layer profile/);
    try {
      readProfile(`${file}.missing`);
      expect.unreachable();
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_FILE')).toBe(true);
      expect((error as KilnError).hint).toContain('--exportProfile');
    }
  });
});
