#!/usr/bin/env node
// CI check: every change to a published package (packages/*, not private, not in the
// changesets `ignore` list) carries a changeset that names it.
//
//   node tools/scripts/check-changesets.mjs [--base=<git ref>] [--root=<repo>]
//
// What counts as a change: any file under the package that ends up in (or produces) the
// published tarball, including package.json, README and build config. Test-only files need no
// changeset: test/, tests/, __tests__/, bench/, fixtures/, *.test.* / *.spec.* / *.bench.*,
// vitest.config.*, plus api/ (API reports) and CHANGELOG.md (written at release).
// A changeset counts when it is added or modified in the compared range (as `changeset status
// --since` does), so one PR cannot ride on another's changeset. A package whose package.json
// version changed in the range is being released (a `changeset version` commit): it passes.
// Compared range: --base, else the merge base with origin/main (HEAD~1 when HEAD is on
// origin/main already), else HEAD~1, else (first commit, no git) nothing to compare: pass.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseChangeset } from '../lib/changesets.mjs';
import { isPublished, listWorkspacePackages, parseFlags, REPO_ROOT } from '../lib/workspace.mjs';

const TEST_ONLY =
  /^(?:test|tests|__tests__|bench|benchmarks|api)\/|(?:^|\/)(?:__tests__|fixtures|__fixtures__)\/|\.(?:test|spec|bench)\.[cm]?[jt]sx?$|^vitest\.config\.[cm]?[jt]s$|^CHANGELOG\.md$/;

/** @param {string} file  path relative to the package folder */
export function isTestOnly(file) {
  return TEST_ONLY.test(file);
}

/**
 * @param {{ root: string, base?: string }} options
 * @returns {{ ok: boolean, base: string | undefined, notes: string[], problems: { name: string, relDir: string, files: string[] }[], errors: string[] }}
 */
export function checkChangesets({ root, base }) {
  const git = (/** @type {string[]} */ ...args) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const tryGit = (/** @type {string[]} */ ...args) => {
    try {
      return git(...args);
    } catch {
      return undefined;
    }
  };
  /** @type {string[]} */
  const notes = [];
  /** @type {string[]} */
  const errors = [];
  const result = { ok: true, base: /** @type {string | undefined} */ (undefined), notes, problems: /** @type {any[]} */ ([]), errors };
  const head = tryGit('rev-parse', '--verify', '--quiet', 'HEAD');
  if (!head) {
    notes.push('no git history here: nothing to compare, passing');
    return result;
  }
  let baseRef = base;
  if (!baseRef && tryGit('rev-parse', '--verify', '--quiet', 'refs/remotes/origin/main')) {
    const mergeBase = tryGit('merge-base', 'refs/remotes/origin/main', 'HEAD');
    if (mergeBase && mergeBase !== head) {
      baseRef = mergeBase;
      notes.push(`comparing with the merge base of origin/main (${mergeBase.slice(0, 9)})`);
    }
  }
  if (!baseRef && tryGit('rev-parse', '--verify', '--quiet', 'HEAD~1')) {
    baseRef = 'HEAD~1';
    notes.push('comparing with the previous commit (HEAD~1)');
  }
  if (!baseRef) {
    notes.push('first commit: nothing to compare, passing');
    return result;
  }
  result.base = baseRef;
  const changed = git('diff', '--name-status', '--no-renames', '-z', baseRef, 'HEAD').split('\0').filter(Boolean);
  /** @type {{ status: string, file: string }[]} */
  const entries = [];
  for (let i = 0; i + 1 < changed.length; i += 2) entries.push({ status: changed[i] ?? '', file: changed[i + 1] ?? '' });

  /** @type {Set<string>} */
  const mentioned = new Set();
  for (const { status, file } of entries) {
    if (!/^\.changeset\/[^/]+\.md$/.test(file) || file === '.changeset/README.md' || status === 'D') continue;
    try {
      for (const name of Object.keys(parseChangeset(git('show', `HEAD:${file}`), file))) mentioned.add(name);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  const configFile = path.join(root, '.changeset', 'config.json');
  const ignored = new Set(existsSync(configFile) ? (JSON.parse(readFileSync(configFile, 'utf8')).ignore ?? []) : []);
  for (const pkg of listWorkspacePackages(root).filter((p) => isPublished(p) && !ignored.has(p.name))) {
    const prefix = `${pkg.relDir}/`;
    const files = entries.map((e) => e.file).filter((f) => f.startsWith(prefix) && !isTestOnly(f.slice(prefix.length)));
    if (files.length === 0 || mentioned.has(pkg.name)) continue;
    const before = tryGit('show', `${baseRef}:${prefix}package.json`);
    const versionBefore = before === undefined ? undefined : JSON.parse(before).version;
    if (versionBefore !== undefined && versionBefore !== pkg.manifest.version) {
      notes.push(`${pkg.name}: released ${versionBefore} → ${pkg.manifest.version} in this range`);
      continue;
    }
    result.problems.push({ name: pkg.name, relDir: pkg.relDir, files });
  }
  result.ok = result.problems.length === 0 && errors.length === 0;
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { flags } = parseFlags(process.argv.slice(2));
  const root = typeof flags.root === 'string' ? path.resolve(flags.root) : REPO_ROOT;
  let result;
  try {
    result = checkChangesets({ root, base: typeof flags.base === 'string' ? flags.base : undefined });
  } catch (error) {
    console.error(`check-changesets: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  for (const note of result.notes) console.log(`check-changesets: ${note}`);
  for (const error of result.errors) console.error(`check-changesets: ${error}`);
  for (const problem of result.problems) {
    console.error(`\ncheck-changesets: ${problem.name} (${problem.relDir}) changed without a changeset:`);
    for (const file of problem.files.slice(0, 20)) console.error(`    ${file}`);
    if (problem.files.length > 20) console.error(`    … and ${problem.files.length - 20} more`);
  }
  if (result.problems.length > 0) {
    console.error(
      '\nRun `pnpm changeset`, pick the package(s) above and the bump, and say what changed, why, and how to migrate.' +
        '\nTest-only changes (test/, *.test.*, fixtures/, bench/) need no changeset.',
    );
  }
  if (result.ok) console.log('check-changesets: ok');
  else process.exitCode = 1;
}
