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
    // The highest level whose every feature is present (each level needs all lower ones).
    const steps = [
      f.avx2 && f.fma && f.f16c,
      f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq,
      f.avx512vnni,
      f.avx512bf16,
      f.avx512fp16,
      f.amxTile && f.amxInt8 && f.amxBf16,
    ];
    const expected = steps.findIndex((present) => !present);
    expect(detectedIsa()).toBe(ISAS[expected === -1 ? steps.length : expected]);
    if (f.avx512f) expect(f.avx2).toBe(true);
    expect(ISAS.indexOf(maxIsa())).toBeLessThanOrEqual(ISAS.indexOf(detectedIsa()));
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

  it.each(['scalar', 'avx2', 'avx512vnni'] as const)('KILN_MAX_ISA=%s caps maxIsa() in a child process', (cap) => {
    // Prints the capped level, how many runnable kernels sit above the cap (none may), and how many
    // runnable ones sit at it.
    const script = `import('./dist/index.js').then(m => { const at = (isa) => m.ISAS.indexOf(isa), runnable = m.kernels().filter(k => k.runnable); console.log(m.maxIsa(), runnable.filter(k => at(k.isa) > at('${cap}')).length, runnable.filter(k => k.isa === m.maxIsa()).length > 0) })`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: root,
      env: { ...process.env, KILN_MAX_ISA: cap },
      encoding: 'utf8',
    });
    expect(child.stderr, 'run `pnpm build` first: the child imports dist/').toBe('');
    const expected = ISAS.indexOf(detectedIsa()) < ISAS.indexOf(cap) ? detectedIsa() : cap;
    expect(child.stdout.trim()).toBe(`${expected} 0 true`);
  });

  it('the int8 VNNI kernels need VNNI only, the bf16 ones AVX512-BF16 (Ice Lake runs int8 on VNNI)', () => {
    const list = kernels();
    const isaOf = (name: string) => list.find((k) => k.name === name)?.isa;
    for (const name of ['qu8_gemm_14x32c4__avx512vnni', 'qu8_conv_1x1_14x32c4__avx512vnni', 'qu8_dwconv__avx512vnni', 'qu8_conv_nchw_6x64__avx512vnni']) {
      expect(isaOf(name), name).toBe('avx512vnni');
    }
    const bf16 = list.filter((k) => k.name.startsWith('bf16_') && k.isa.startsWith('avx512') && k.isa !== 'avx512');
    expect(bf16.length).toBeGreaterThan(0);
    for (const kernel of bf16) expect(kernel.isa, kernel.name).toBe('avx512bf16');
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
