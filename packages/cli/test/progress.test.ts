import { describe, expect, it } from 'vitest';
import type { BuildProgress } from '@kiln/builder';
import { createProgressBar } from '../src/index.js';

function events(total: number): BuildProgress[] {
  const list: BuildProgress[] = [{ stage: 'optimize', done: 0, total: 0, elapsedMs: 0 }];
  for (let done = 0; done < total; done++) list.push({ stage: 'tactics', done, total, layer: `layer${done}`, elapsedMs: 100 * done });
  list.push({ stage: 'tactics', done: total, total, elapsedMs: 100 * total }, { stage: 'done', done: total, total, elapsedMs: 100 * total + 50 });
  return list;
}

function capture(isTTY: boolean, quiet = false) {
  let text = '';
  const report = createProgressBar({ stream: { isTTY, columns: 100, write: (chunk: string) => (text += chunk) }, quiet, label: 'Building' });
  for (const event of events(40)) report(event);
  return text;
}

describe('build progress', () => {
  it('redraws one line on a terminal: bar, layers done / total, elapsed', () => {
    const text = capture(true);
    expect(text).toContain('\r');
    expect(text).toContain('[##########..........] 20/40 layers 2.0 s');
    expect(text.endsWith('Building: done, 40 layers in 4.0 s\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('redraws at most every 50 ms when layers finish faster (timing-cache hits)', () => {
    let redraws = 0;
    const report = createProgressBar({ stream: { isTTY: true, write: (chunk: string) => (redraws += chunk.startsWith('\r') ? 1 : 0) } });
    for (const event of events(400)) report({ ...event, elapsedMs: event.elapsedMs / 1000 });
    // optimize, the first layer, one redraw per 50 ms of the 0.4 s, the last layer, done (two writes).
    expect(redraws).toBeLessThanOrEqual(14);
    expect(redraws).toBeGreaterThanOrEqual(4);
  });

  it('writes plain lines, at most one per 10% of the layers, elsewhere', () => {
    const lines = capture(false).trim().split('\n');
    expect(lines[0]).toBe('Building: optimizing the graph');
    expect(lines).toContain('Building: timing tactics 0/40 layers (0%) 0.0 s');
    expect(lines).toContain('Building: timing tactics 20/40 layers (50%) 2.0 s');
    expect(lines.at(-1)).toBe('Building: done, 40 layers in 4.0 s');
    expect(lines.length).toBeLessThanOrEqual(14);
    expect(lines.join('\n')).not.toContain('\r');
  });

  it('is silent with --quiet', () => {
    expect(capture(true, true)).toBe('');
    expect(capture(false, true)).toBe('');
  });
});
