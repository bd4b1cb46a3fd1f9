import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractApi } from '../deprecations/api.mjs';
import { checkPackage, reportPackage } from '../deprecations/package.mjs';
import { isCompatibleSignature, parseDeprecation } from '../deprecations/rules.mjs';
import { bumpVersion, isMajorBump, parseDate } from '../lib/semver.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures', 'deprecations');
const cli = path.join(here, '..', 'deprecations', 'cli.mjs');
const NOW = /** @type {Date} */ (parseDate('2026-01-15'));

/** Findings of one fixture package as `severity rule symbol` lines. */
function check(name, options = {}) {
  const { findings } = checkPackage({ dir: path.join(fixtures, name), now: NOW, ...options });
  return findings.map((f) => `${f.severity} ${f.rule} ${f.symbol}`).sort();
}

describe('deprecation policy on fixture packages', () => {
  it('clean: additions, optional parameters and an in-window deprecation pass', () => {
    expect(check('clean')).toEqual([]);
  });

  it('rule 1: every @deprecated tag needs since <version> (<date>) and a replacement', () => {
    expect(check('bad-tags')).toEqual([
      'error deprecated-tag Options.legacy',
      'error deprecated-tag Options.legacy',
      'error deprecated-tag badDate',
      'error deprecated-tag badVersion',
      'error deprecated-tag noDate',
      'error deprecated-tag noReplacement',
      'error deprecated-tag noSince',
    ]);
    const messages = checkPackage({ dir: path.join(fixtures, 'bad-tags'), now: NOW }).findings.map((f) => `${f.symbol}: ${f.message}`);
    expect(messages.find((m) => m.startsWith('noDate:'))).toContain('missing deprecation date');
    expect(messages.find((m) => m.startsWith('noReplacement:'))).toContain('missing replacement');
    expect(messages.find((m) => m.startsWith('badVersion:'))).toContain("malformed since: '0.1' is not a version");
    expect(messages.find((m) => m.startsWith('badDate:'))).toContain('is not a YYYY-MM-DD date');
  });

  it('rule 2: removal without a major release is an error (symbols and members)', () => {
    expect(check('removal-without-major')).toEqual([
      'error breaking-without-major Engine.stop',
      'error breaking-without-major gone',
      'error breaking-without-major oldGone', // window over, but 0.1.0 → 0.1.1 is not major
    ]);
  });

  it('rule 2: incompatible signature changes without a major release are errors', () => {
    expect(check('signature-break')).toEqual([
      'error breaking-without-major Layout',
      'error breaking-without-major Options.name',
      'error breaking-without-major Options.threads',
      'error breaking-without-major Precision.FP16',
      'error breaking-without-major parse',
      'error breaking-without-major scale',
    ]); // extend(a, b?) and Engine.run(input, options?) only gained optional parameters
  });

  it('rule 2: a pending major changeset allows the break', () => {
    expect(check('signature-break', { pendingBumps: new Map([['@fx/signature-break', 'minor']]) })).toEqual([]);
  });

  it('rule 3: a deprecated symbol removed inside its 12-month window is an error even in a major', () => {
    expect(check('early-removal')).toEqual(['error removed-too-early Engine.legacyRun', 'error removed-too-early legacy']);
  });

  it('rule 3: removal after the window in a major release passes', () => {
    expect(check('removal-after-window')).toEqual([]);
  });

  it('rule 3: removal in a major without any deprecation is an error', () => {
    expect(check('removed-undeprecated')).toEqual(['error removed-undeprecated gone']);
  });

  it('rule 4: window ended, no major yet → warning; at a major cut → error', () => {
    expect(check('expired-no-major')).toEqual(['warning expired-deprecation legacy']);
    expect(check('expired-at-major')).toEqual(['error expired-deprecation legacy']);
    expect(check('expired-no-major', { pendingBumps: new Map([['@fx/expired-no-major', 'minor']]) })).toEqual([
      'error expired-deprecation legacy',
    ]);
    expect(check('expired-no-major', { now: parseDate('2025-05-31') })).toEqual([]);
  });

  it('rule 5: a deprecated function, method or class that never calls deprecate() → warning', () => {
    expect(check('no-deprecate-call')).toEqual([
      'warning deprecate-not-called Engine.oldRun',
      'warning deprecate-not-called LegacyEngine',
      'warning deprecate-not-called oldArrow',
      'warning deprecate-not-called oldLoad',
    ]);
  });
});

describe('tag, signature and version helpers', () => {
  it('parses a well-formed tag', () => {
    const parsed = parseDeprecation('since 0.3.0 (2026-12-01); use `getTensorName` instead.');
    expect(parsed.problems).toEqual([]);
    expect(parsed.version).toBe('0.3.0');
    expect(parsed.replacement).toBe('`getTensorName`');
  });

  it('accepts only appended optional parameters as compatible', () => {
    expect(isCompatibleSignature('function f(a: number): void', 'function f(a: number, b?: string): void', 'top')).toBe(true);
    expect(isCompatibleSignature('function f(a: number): void', 'function f(a: number, ...rest: string[]): void', 'top')).toBe(true);
    expect(isCompatibleSignature('function f(a: number): void', 'function f(a: number, b: string): void', 'top')).toBe(false);
    expect(isCompatibleSignature('function f(a: number): void', 'function f(a: number): string', 'top')).toBe(false);
    expect(isCompatibleSignature('m(a: number): void', 'protected m(a: number): void', 'class')).toBe(false);
  });

  it('treats 0.x minor and 0.0.x patch bumps as major, like npm caret ranges', () => {
    expect(isMajorBump('0.1.0', '0.2.0')).toBe(true);
    expect(isMajorBump('0.1.0', '0.1.9')).toBe(false);
    expect(isMajorBump('0.0.1', '0.0.2')).toBe(true);
    expect(isMajorBump('0.9.0', '1.0.0-rc.0')).toBe(true);
    expect(isMajorBump('1.2.3', '1.9.0')).toBe(false);
    expect(isMajorBump('1.2.3', '2.0.0')).toBe(true);
    expect(bumpVersion('0.1.0', 'minor')).toBe('0.2.0');
  });

  it('rejects impossible dates', () => {
    expect(parseDate('2025-02-29')).toBeUndefined();
    expect(parseDate('2024-02-29')).toBeDefined();
  });
});

describe('API reports', () => {
  it('extracts kinds, normalized signatures, members and @deprecated text', () => {
    const { symbols } = extractApi(path.join(fixtures, 'clean', 'index.d.ts'));
    expect(Object.keys(symbols)).toEqual(['Engine', 'Options', 'Precision', 'add', 'multiply', 'plus']);
    expect(symbols.add?.signatures).toEqual(['function add(a: number, b: number, options?: Options): number']);
    expect(symbols.plus?.deprecated).toBe('since 0.1.0 (2025-06-01); use `add` instead.');
    expect(symbols.Engine?.members?.execute?.deprecated).toContain('since 0.1.1');
    expect(symbols.Options?.members?.verbose).toEqual({ kind: 'property', signatures: ['verbose?: boolean'], optional: true });
    expect(Object.keys(symbols.Precision?.members ?? {})).toEqual(['FP16', 'FP32', 'INT8']);
  });

  it('leaves @internal members out of the report, so changing them breaks nothing', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-api-internal-'));
    try {
      const file = path.join(dir, 'index.d.ts');
      writeFileSync(file, [
        'declare class Engine {',
        '  /** Public. */',
        '  run(): void;',
        '  /** @internal Used by the runtime only. */',
        '  weightBytes(name: string): Uint8Array;',
        '}',
        'export { Engine };',
      ].join('\n'));
      const { symbols } = extractApi(file);
      expect(Object.keys(symbols.Engine?.members ?? {})).toEqual(['run']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('handles namespaces, overloads, default exports and bundler-renamed declarations', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-api-dts-'));
    try {
      const file = path.join(dir, 'index.d.ts');
      writeFileSync(file, [
        'type Dim$1 = number | string;',
        'declare function shape(dims: readonly Dim$1[]): Dim$1[];',
        'declare function over(x: string): string;',
        'declare function over(x: number): number;',
        'declare namespace util { function helper(): void; }',
        'export { type Dim$1 as Dim, shape, over, util, shape as default };',
      ].join('\n'));
      const { symbols, localNames } = extractApi(file);
      expect(symbols.Dim?.signatures).toEqual(['type Dim = number | string']);
      expect(symbols.shape?.signatures).toEqual(['function shape(dims: readonly Dim[]): Dim[]']);
      expect(symbols.over?.signatures).toHaveLength(2);
      expect(symbols.util).toEqual({ kind: 'namespace', signatures: ['namespace util'], members: { helper: { kind: 'function', signatures: ['function helper(): void'] } } });
      expect(symbols.default?.kind).toBe('function');
      expect(localNames.get('Dim')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('report --check fails when stale and passes after report --update', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kiln-api-report-'));
    try {
      cpSync(path.join(fixtures, 'clean'), dir, { recursive: true });
      const run = (...args) => spawnSync(process.execPath, [cli, 'report', ...args, `--package=${dir}`], { encoding: 'utf8' });
      const stale = run('--check');
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('differs from the committed report');
      expect(stale.stderr).toContain('report --update');
      expect(run('--update').status).toBe(0);
      const report = JSON.parse(readFileSync(path.join(dir, 'api', 'clean.api.json'), 'utf8'));
      expect(report.version).toBe('0.1.1');
      expect(Object.keys(report.entries['.'])).toContain('multiply');
      expect(run('--check').status).toBe(0);
      writeFileSync(path.join(dir, 'index.d.ts'), 'export declare function only(): void;\n');
      expect(reportPackage({ dir, mode: 'check' }).stale).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('check CLI', () => {
  const run = (...args) => spawnSync(process.execPath, [cli, 'check', '--no-changesets', ...args], { encoding: 'utf8' });
  it('exits 1 on errors, 0 on warnings only, 2 on a bad --now', () => {
    const bad = run('--now=2026-01-15', `--package=${path.join(fixtures, 'expired-at-major')}`);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('error   legacy  [expired-deprecation]');
    const warned = run('--now=2026-01-15', `--package=${path.join(fixtures, 'expired-no-major')}`);
    expect(warned.status).toBe(0);
    expect(warned.stdout).toContain('0 error(s), 1 warning(s)');
    expect(run('--now=2026-13-01').status).toBe(2);
  });
});
