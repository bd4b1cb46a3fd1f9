import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBoundaries, findImports, isExported } from '../boundaries/check.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'boundaries');
const cli = path.join(here, '..', 'boundaries', 'cli.mjs');

describe('findImports', () => {
  it('sees every import form and skips comments and strings', () => {
    const text = [
      "import type { A } from 'a';",
      "export * from 'b';",
      "const c = require('c');",
      "const d = await import('d');",
      "type E = typeof import('e');",
      "// import 'comment';",
      'const s = "import \'string\'";',
    ].join('\n');
    expect(findImports(text)).toEqual([
      { specifier: 'a', line: 1 },
      { specifier: 'b', line: 2 },
      { specifier: 'c', line: 3 },
      { specifier: 'd', line: 4 },
      { specifier: 'e', line: 5 },
    ]);
  });
});

describe('isExported', () => {
  const exportsMap = { '.': './i.js', './features/*': './f/*.js', './hidden/*': null, './package.json': './package.json' };
  it.each([
    ['.', true],
    ['./package.json', true],
    ['./features/fast', true],
    ['./src/index.js', false],
    ['./hidden/x', false],
  ])('%s → %s', (subpath, expected) => expect(isExported(exportsMap, subpath)).toBe(expected));
  it('treats a string or conditions-only exports as "." only', () => {
    expect(isExported('./i.js', '.')).toBe(true);
    expect(isExported({ import: './i.js' }, './x')).toBe(false);
  });
});

describe('checkBoundaries', () => {
  it('passes the clean fixture workspace', () => {
    const result = checkBoundaries({ root: path.join(fixtures, 'clean') });
    expect(result.violations).toEqual([]);
    expect(result.filesScanned).toBe(3);
  });

  it('reports each planted violation with file, line and rule', () => {
    const { violations } = checkBoundaries({ root: path.join(fixtures, 'violations') });
    expect(violations.map((v) => `${v.file}:${v.line} ${v.rule} ${v.specifier}`)).toEqual([
      'packages/b/src/deep.ts:1 deep-import @fx/a/src/internal/helper.js',
      'packages/b/src/deep.ts:2 deep-import @fx/a/dist/index.js',
      'packages/b/src/relative.ts:1 outside-package ../../a/src/index.js',
      'packages/b/src/relative.ts:2 outside-package ../../../shared.config.js',
      'packages/b/src/undeclared.ts:1 undeclared-dependency @fx/c',
      'packages/b/src/undeclared.ts:2 undeclared-dependency vitest',
      'packages/b/src/undeclared.ts:4 undeclared-dependency left-pad',
      'packages/b/src/undeclared.ts:5 undeclared-dependency chalk',
    ]);
    expect(violations[0]?.message).toContain("import from '@fx/a' instead");
    expect(violations[2]?.message).toContain('reaches into @fx/a');
    expect(violations[4]?.message).toContain('add it to "dependencies"');
  });

  it('CLI exits 1 on violations and 0 when clean', () => {
    const bad = spawnSync(process.execPath, [cli, `--root=${path.join(fixtures, 'violations')}`], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('packages/b/src/deep.ts:1');
    expect(bad.stderr).toContain('8 violation(s)');
    const good = execFileSync(process.execPath, [cli, `--root=${path.join(fixtures, 'clean')}`], { encoding: 'utf8' });
    expect(good).toContain('boundaries: ok');
  });

  it('runs on the real repository in well under 2 s', () => {
    const started = performance.now();
    checkBoundaries({ root: path.join(here, '..', '..') });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
