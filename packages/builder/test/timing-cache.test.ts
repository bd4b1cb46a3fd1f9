import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnError } from '@kiln/common';
import { GraphBuilder, save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../src/index.js';
import { TimingCache } from '../src/internal/tactics/timing-cache.js';
import { randomFloat } from './helpers.js';

const entry = { tactic: 'f32_gemm_6x32__avx512', ms: 0.5, candidates: { f32_gemm_6x32__avx512: 0.5, f32_gemm_4x4__scalar: 9 } };

function temporaryFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cache-')), name);
}

describe('timing cache', () => {
  it('round-trips entries for the same Kiln version and CPU', () => {
    const file = temporaryFile('t.cache');
    const cache = new TimingCache('0.1.0', 'avx512:avx2,avx512f');
    cache.set('Conv|1x3x224x224|k3', entry);
    cache.write(file);
    const { cache: back, note } = TimingCache.read(file, '0.1.0', 'avx512:avx2,avx512f');
    expect(note).toBeUndefined();
    expect(back.get('Conv|1x3x224x224|k3')).toEqual(entry);
    expect(back.get('missing')).toBeUndefined();
    expect([back.hits, back.misses]).toEqual([1, 1]);
  });

  it('ignores a cache written by another version or CPU, saying why', () => {
    const file = temporaryFile('t.cache');
    const cache = new TimingCache('0.1.0', 'avx512');
    cache.set('k', entry);
    cache.write(file);
    const { cache: back, note } = TimingCache.read(file, '0.2.0', 'avx512');
    expect(back.size).toBe(0);
    expect(note).toMatch(/retiming/);
  });

  it('never reads or overwrites a file that is not a timing cache', () => {
    const file = temporaryFile('precious.txt');
    fs.writeFileSync(file, 'my notes');
    expect(() => TimingCache.read(file, '0.1.0', 'x')).toThrow(KilnError);
    expect(() => new TimingCache('0.1.0', 'x').write(file)).toThrowError(/never overwrites/);
    expect(fs.readFileSync(file, 'utf8')).toBe('my notes');
  });

  it('times layers of the same signature once per build, without a cache file', async () => {
    const g = new GraphBuilder('twice');
    let x = g.input('x', 'float32', [1, 16, 12, 12]);
    for (let i = 0; i < 3; i++) {
      x = g.layer('Relu', [g.layer('Conv', [x, g.constant(randomFloat([16, 16, 3, 3], 10 + i, 0.2))], { pads: [1, 1, 1, 1] }, { name: `conv${i}` })]);
    }
    g.output(x);
    const lines: string[] = [];
    await buildEngine(save(g.toModel({ opset: 17 })), { log: (line) => lines.push(line) });
    const tactics = ['conv0', 'conv1', 'conv2'].map((name) => lines.find((line) => line.startsWith(`Tactic: ${name} →`)));
    expect(tactics[0]).toMatch(/timed /);
    for (const line of tactics.slice(1)) expect(line).toMatch(/timed earlier in this build for the same signature/);
    // Every conv took the tactic timed for the first.
    const chosen = tactics.map((line) => line?.split(' → ')[1]?.split(' ')[0]);
    expect(new Set(chosen).size).toBe(1);
  });
});
