import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableCores, cpuFeatures, detectedIsa, getThreads, ISAS, kernels, maxIsa, setThreads, version } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('platform', () => {
  it('version() is the package version and the addon agrees', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version()).toBe(pkg.version);
  });

  it('cpuFeatures() is consistent with the ISA level', () => {
    const f = cpuFeatures();
    for (const key of Object.keys(f)) expect(typeof f[key as keyof typeof f]).toBe('boolean');
    const level = ISAS.indexOf(detectedIsa());
    expect(level >= 1).toBe(f.avx2 && f.fma && f.f16c);
    if (level >= 2) expect(f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq).toBe(true);
    if (level >= 4) expect(f.amxTile && f.amxInt8 && f.amxBf16).toBe(true);
    if (f.avx512f) expect(f.avx2).toBe(true);
    expect(ISAS.indexOf(maxIsa())).toBeLessThanOrEqual(level);
  });

  it('thread pool size can be read and changed', () => {
    expect(availableCores()).toBeGreaterThanOrEqual(1);
    const before = getThreads();
    setThreads(3);
    expect(getThreads()).toBe(3);
    setThreads(before);
    expect(() => setThreads(0)).toThrow(/Thread count/);
  });

  it('every family has a scalar variant, listed last', () => {
    const list = kernels();
    for (const family of new Set(list.map((k) => k.family))) {
      const variants = list.filter((k) => k.family === family);
      expect(variants.at(-1)?.isa, family).toBe('scalar');
      // Single-base families (one kernel per ISA) end with <family>__scalar.
      if (variants.every((k) => k.name.split('__')[0] === family)) expect(variants.at(-1)?.name).toBe(`${family}__scalar`);
    }
  });

  it.each(['scalar', 'avx2'] as const)('KILN_MAX_ISA=%s caps maxIsa() in a child process', (cap) => {
    const script = `import('./dist/index.js').then(m => console.log(m.maxIsa(), m.kernels().filter(k => k.runnable && !['scalar', '${cap}'].includes(k.isa)).length))`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: root,
      env: { ...process.env, KILN_MAX_ISA: cap },
      encoding: 'utf8',
    });
    expect(child.stderr, 'run `pnpm build` first: the child imports dist/').toBe('');
    const expected = ISAS.indexOf(detectedIsa()) < ISAS.indexOf(cap) ? detectedIsa() : cap;
    expect(child.stdout.trim()).toBe(`${expected} 0`);
  });
});

describe('alignedBytes', () => {
  it('returns aligned memory with the same bytes, and an aligned view unchanged', async () => {
    const { alignedBytes } = await import('../src/index.js');
    const source = new Uint8Array(4099).map((_, i) => (i * 31) & 255);
    for (const offset of [0, 1, 3, 17]) {
      const view = source.subarray(offset);
      const aligned = alignedBytes(view);
      expect(Array.from(aligned)).toEqual(Array.from(view));
      // Aligned memory comes back as is: no second copy.
      expect(alignedBytes(aligned)).toBe(aligned);
    }
    expect(() => alignedBytes([1, 2, 3] as unknown as Uint8Array)).toThrow(/Uint8Array/);
  });
});

describe('checksum (CRC-32C)', () => {
  function crc32cTable(bytes: Uint8Array): number {
    let crc = 0xffffffff;
    for (const byte of bytes) {
      crc ^= byte;
      for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
    }
    return (crc ^ 0xffffffff) >>> 0;
  }

  it('matches the standard check value and a bitwise reference at every length and offset', async () => {
    const { checksum } = await import('../src/index.js');
    expect(checksum(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(checksum(new Uint8Array(0))).toBe(0);
    const data = new Uint8Array(300).map((_, i) => (i * 131 + 7) & 255);
    for (let offset = 0; offset < 9; offset++) {
      for (const length of [0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 291 - offset]) {
        const view = data.subarray(offset, offset + length);
        expect(checksum(view), `offset ${offset} length ${length}`).toBe(crc32cTable(view));
      }
    }
  });
});
