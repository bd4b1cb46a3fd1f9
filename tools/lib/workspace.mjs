// Workspace discovery shared by the repository tools: reads pnpm-workspace.yaml and every
// workspace package's package.json. No dependencies, no globbing library: the workspace file
// only uses `dir/*` and plain `dir` entries.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (two levels above this file). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name        package.json name
 * @property {string} dir         absolute folder
 * @property {string} relDir      folder relative to the workspace root, with `/`
 * @property {Record<string, any>} manifest  parsed package.json
 */

/**
 * The `packages:` list of a pnpm-workspace.yaml (only the simple forms pnpm documents:
 * `- dir/*`, `- dir/**`, `- dir`, quoted or not; `!` exclusions are honoured).
 * @param {string} text
 * @returns {string[]}
 */
export function parseWorkspaceGlobs(text) {
  const globs = [];
  let inPackages = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^\S/.test(line)) inPackages = /^packages\s*:/.test(line);
    else if (inPackages) {
      const match = /^\s+-\s+['"]?([^'"]+?)['"]?\s*$/.exec(line);
      if (match?.[1]) globs.push(match[1]);
    }
  }
  return globs;
}

/**
 * Every workspace package under `root`, sorted by folder.
 * @param {string} [root]
 * @returns {WorkspacePackage[]}
 */
export function listWorkspacePackages(root = REPO_ROOT) {
  const workspaceFile = path.join(root, 'pnpm-workspace.yaml');
  if (!existsSync(workspaceFile)) throw new Error(`no pnpm-workspace.yaml in ${root}`);
  const globs = parseWorkspaceGlobs(readFileSync(workspaceFile, 'utf8'));
  const excluded = new Set(globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1).replace(/\/$/, '')));
  /** @type {Set<string>} */
  const dirs = new Set();
  for (const glob of globs.filter((g) => !g.startsWith('!'))) {
    const star = /^(.*?)\/\*{1,2}$/.exec(glob);
    if (star?.[1] !== undefined) {
      const parent = path.join(root, star[1]);
      if (!existsSync(parent)) continue;
      for (const entry of readdirSync(parent, { withFileTypes: true })) {
        if (entry.isDirectory()) dirs.add(`${star[1]}/${entry.name}`);
      }
    } else dirs.add(glob.replace(/\/$/, ''));
  }
  const packages = [];
  for (const relDir of [...dirs].sort()) {
    if (excluded.has(relDir)) continue;
    const manifestPath = path.join(root, relDir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    packages.push({ name: manifest.name, dir: path.join(root, relDir), relDir, manifest });
  }
  return packages;
}

/** A published package: under packages/ and not private. @param {WorkspacePackage} pkg */
export function isPublished(pkg) {
  return pkg.relDir.startsWith('packages/') && pkg.manifest.private !== true;
}

/**
 * The package name a bare specifier refers to (`@scope/name/sub` → `@scope/name`), or
 * `undefined` for relative, absolute and URL specifiers.
 * @param {string} specifier
 */
export function packageNameOf(specifier) {
  if (/^[./]/.test(specifier) || /^[a-z][a-z0-9+.-]*:/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Parse command-line flags of the form `--name=value` / `--name`. @param {string[]} argv */
export function parseFlags(argv) {
  /** @type {Record<string, string | true>} */
  const flags = {};
  /** @type {string[]} */
  const positional = [];
  for (const arg of argv) {
    const match = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (match?.[1]) flags[match[1]] = match[2] ?? true;
    else positional.push(arg);
  }
  return { flags, positional };
}
