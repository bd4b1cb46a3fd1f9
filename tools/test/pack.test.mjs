// Slow (npm install, maybe a native build): skip with SKIP_PACK_TEST=1. Packages that are not
// built are skipped by the pack test itself, so it is safe to run before `pnpm build`.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packTest } from '../pack/run.mjs';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'pack');
const quiet = () => {};
const summary = (result) => result.failures.map((f) => `${f.name} [${f.step}]`).sort();

describe.skipIf(Boolean(process.env.SKIP_PACK_TEST))('pack test', () => {
  it('catches planted packaging bugs and passes a correct package', { timeout: 300_000 }, async () => {
    const result = await packTest({ root: fixture, log: quiet });
    expect(result.tested).toEqual(['@fx/bad', '@fx/good']);
    expect(summary(result)).toEqual(['@fx/bad [attw]', '@fx/bad [cjs]', '@fx/bad [esm]', '@fx/bad [types]']);
    const details = Object.fromEntries(result.failures.map((f) => [f.step, f.detail]));
    expect(details.esm).toContain("lacks export 'missing'");
    expect(details.cjs).toContain('cannot be loaded');
    expect(details.types).toContain('TS1471');
    expect(details.attw).toContain('require call resolved to an ESM JavaScript file');
  });

  it('installs, imports and type-checks every built published package', { timeout: 600_000 }, async () => {
    const lines = [];
    const result = await packTest({ log: (line) => lines.push(line) });
    if (!result.ok) console.error(lines.join('\n'), result.failures.map((f) => `\n${f.name} [${f.step}]\n${f.detail}`).join('\n'));
    expect(summary(result)).toEqual([]);
  });
});
