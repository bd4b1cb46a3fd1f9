import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangeset } from '../lib/changesets.mjs';
import { checkChangesets, isTestOnly } from '../scripts/check-changesets.mjs';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'check-changesets.mjs');
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
let root = '';
const git = (...args) => execFileSync('git', args, { cwd: root, env, encoding: 'utf8' }).trim();
/** Write files (path → text, or null to delete) and commit them. */
function commit(message, files) {
  for (const [file, text] of Object.entries(files)) {
    const full = path.join(root, file);
    if (text === null) rmSync(full);
    else {
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
  }
  git('add', '-A');
  git('commit', '-q', '--no-gpg-sign', '-m', message);
  return git('rev-parse', 'HEAD');
}
const manifest = (name, version, extra = {}) => `${JSON.stringify({ name, version, ...extra }, null, 2)}\n`;
const changeset = (releases) =>
  `---\n${Object.entries(releases).map(([name, bump]) => `"${name}": ${bump}`).join('\n')}\n---\n\nWhat, why, how to migrate.\n`;
const check = (base) => {
  const result = checkChangesets({ root, base });
  return { ok: result.ok, missing: result.problems.map((p) => `${p.name}: ${p.files.join(' ')}`), errors: result.errors, notes: result.notes };
};

beforeAll(() => {
  root = mkdtempSync(path.join(tmpdir(), 'kiln-changesets-'));
  git('init', '-q', '-b', 'main');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('check-changesets on a temporary git repository', () => {
  it('passes the first commit with a note', () => {
    commit('skeleton', {
      'pnpm-workspace.yaml': 'packages:\n  - packages/*\n  - apps/*\n',
      '.changeset/config.json': JSON.stringify({ ignore: ['@fx/ignored'] }),
      '.changeset/README.md': 'Changesets live here.\n',
      'packages/a/package.json': manifest('@fx/a', '0.1.0'),
      'packages/a/src/index.ts': 'export const a = 1;\n',
      'packages/private/package.json': manifest('@fx/private', '0.1.0', { private: true }),
      'packages/ignored/package.json': manifest('@fx/ignored', '0.1.0'),
      'apps/demo/package.json': manifest('@fx/demo', '0.1.0'),
    });
    const result = check();
    expect(result.ok).toBe(true);
    expect(result.notes.join()).toContain('first commit');
  });

  it('fails a source change without a changeset (against HEAD~1)', () => {
    commit('change a', { 'packages/a/src/index.ts': 'export const a = 2;\n' });
    const result = check();
    expect(result.ok).toBe(false);
    expect(result.missing).toEqual(['@fx/a: packages/a/src/index.ts']);
    expect(result.notes.join()).toContain('HEAD~1');
  });

  it('passes once a changeset names the package', () => {
    commit('change a with changeset', {
      'packages/a/src/index.ts': 'export const a = 3;\n',
      '.changeset/brave-cats.md': changeset({ '@fx/a': 'minor' }),
    });
    expect(check().ok).toBe(true);
  });

  it('passes test-only, private, ignored and non-package changes', () => {
    commit('tests and friends', {
      'packages/a/test/index.test.ts': 'test\n',
      'packages/a/src/index.spec.ts': 'spec\n',
      'packages/a/test/fixtures/model.onnx': 'bytes\n',
      'packages/a/api/a.api.json': '{}\n',
      'packages/private/src/index.ts': 'export {};\n',
      'packages/ignored/src/index.ts': 'export {};\n',
      'apps/demo/index.mjs': 'console.log(1);\n',
      'README.md': 'root docs\n',
    });
    expect(check()).toMatchObject({ ok: true, missing: [] });
  });

  it('fails a package.json or README change without a changeset', () => {
    commit('deps', {
      'packages/a/package.json': manifest('@fx/a', '0.1.0', { dependencies: { x: '1.0.0' } }),
      'packages/a/README.md': 'docs ship in the tarball\n',
    });
    expect(check().missing).toEqual(['@fx/a: packages/a/README.md packages/a/package.json']);
  });

  it('does not count a changeset added earlier (outside the range) or one naming another package', () => {
    commit('other changeset', {
      'packages/a/src/index.ts': 'export const a = 4;\n',
      '.changeset/other.md': changeset({ '@fx/private': 'patch' }),
    });
    expect(check().missing).toEqual(['@fx/a: packages/a/src/index.ts']);
  });

  it('passes a changeset-version release commit (versions bumped, changesets consumed)', () => {
    commit('Version Packages', {
      'packages/a/package.json': manifest('@fx/a', '0.2.0', { dependencies: { x: '1.0.0' } }),
      'packages/a/CHANGELOG.md': '# @fx/a\n\n## 0.2.0\n',
      '.changeset/brave-cats.md': null,
      '.changeset/other.md': null,
    });
    const result = check();
    expect(result.ok).toBe(true);
    expect(result.notes.join()).toContain('released 0.1.0 → 0.2.0');
  });

  it('reports a malformed changeset', () => {
    commit('bad changeset', { '.changeset/bad.md': '---\n"@fx/a": huge\n---\n' });
    const result = check();
    expect(result.ok).toBe(false);
    expect(result.errors.join()).toContain('cannot read front matter line');
    commit('remove bad changeset', { '.changeset/bad.md': null });
  });

  it('uses the merge base with origin/main when there is one', () => {
    const mainTip = git('rev-parse', 'HEAD');
    git('update-ref', 'refs/remotes/origin/main', mainTip);
    git('checkout', '-q', '-b', 'feature');
    commit('changeset first', { '.changeset/feature.md': changeset({ '@fx/a': 'patch' }) });
    commit('code second', { 'packages/a/src/index.ts': 'export const a = 5;\n' });
    const result = check();
    expect(result.notes.join()).toContain('merge base of origin/main');
    expect(result.ok).toBe(true); // HEAD~1 alone would miss the changeset
    expect(check('HEAD~1').ok).toBe(false);
  });

  it('CLI exits 1 and names the package and what to do', () => {
    commit('more code', { 'packages/a/src/extra.ts': 'export {};\n' });
    const run = spawnSync(process.execPath, [cli, `--root=${root}`, '--base=HEAD~1'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('@fx/a (packages/a) changed without a changeset');
    expect(run.stderr).toContain('packages/a/src/extra.ts');
    expect(run.stderr).toContain('pnpm changeset');
  });
});

describe('helpers', () => {
  it('classifies test-only files', () => {
    expect(['test/a.ts', 'src/a.test.ts', 'src/__tests__/x.ts', 'bench/x.ts', 'CHANGELOG.md', 'api/x.api.json'].every(isTestOnly)).toBe(true);
    expect(['src/a.ts', 'package.json', 'README.md', 'bin/kiln.mjs', 'tsup.config.ts', 'src/testing.ts'].some(isTestOnly)).toBe(false);
  });

  it('parses changeset front matter', () => {
    expect(parseChangeset("---\n'@kiln/common': minor\n\"@kiln/runtime\": major\n---\n\nText\n")).toEqual({
      '@kiln/common': 'minor',
      '@kiln/runtime': 'major',
    });
    expect(parseChangeset('---\n---\n\nEmpty changeset.\n')).toEqual({});
    expect(() => parseChangeset('no front matter')).toThrow(/no front matter/);
  });
});
