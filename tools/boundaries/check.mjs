// Package-boundary check: every workspace package uses another only through its `exports`
// map, never reaches outside its own folder with a relative path, and imports only packages
// it declares. Import discovery uses TypeScript's pre-processor (no type checking), which
// sees static imports, `import type`, `export … from`, `require()`, `import x = require()`,
// dynamic `import()` and `import('x')` types, and ignores comments and strings.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';
import { listWorkspacePackages, packageNameOf } from '../lib/workspace.mjs';

const SOURCE_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.jsx']);
/** Folders never scanned: build outputs, dependencies, and test fixtures (data, not code). */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', 'fixtures', '__fixtures__']);
/** Files here never ship; they may also use the workspace root's devDependencies. */
const DEV_ONLY = /^(?:test|tests|__tests__|bench|benchmarks|scripts)\/|(?:^|\/)[^/]*\.(?:test|spec|bench)\.[cm]?[jt]sx?$|^[^/]*\.config\.[cm]?[jt]s$/;
const BUILTINS = new Set(builtinModules);

/**
 * @typedef {object} Violation
 * @property {string} file     path relative to the workspace root
 * @property {number} line     1-based
 * @property {string} specifier the import as written
 * @property {'deep-import' | 'outside-package' | 'undeclared-dependency'} rule
 * @property {string} message  what is wrong and what to do
 */

/** @param {string} dir @param {string} rel @param {string[]} out */
function walk(dir, rel, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relPath = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) walk(path.join(dir, entry.name), relPath, out);
    } else if (SOURCE_EXTENSIONS.has(path.extname(entry.name)) && !entry.name.endsWith('.d.ts')) {
      out.push(relPath);
    }
  }
  return out;
}

/**
 * The imports of one source text, with 1-based line numbers.
 * @param {string} text
 * @returns {{ specifier: string, line: number }[]}
 */
export function findImports(text) {
  const info = ts.preProcessFile(text, true, true);
  const lineStarts = ts.computeLineStarts(text);
  return info.importedFiles.map((ref) => ({
    specifier: ref.fileName,
    line: ts.computeLineAndCharacterOfPosition(lineStarts, ref.pos).line + 1,
  }));
}

/**
 * Whether `subpath` (`.` or `./x`) is exported by an `exports` field.
 * @param {unknown} exportsField
 * @param {string} subpath
 */
export function isExported(exportsField, subpath) {
  if (exportsField === undefined || exportsField === null) return subpath === '.';
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return subpath === '.';
  const keys = Object.keys(exportsField);
  if (!keys.some((key) => key.startsWith('.'))) return subpath === '.'; // conditions only
  const map = /** @type {Record<string, unknown>} */ (exportsField);
  if (subpath in map) return map[subpath] !== null;
  return keys.some((key) => {
    const star = key.indexOf('*');
    if (star < 0 || map[key] === null) return false;
    const [prefix, suffix] = [key.slice(0, star), key.slice(star + 1)];
    return subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= prefix.length + suffix.length;
  });
}

/** @param {Record<string, any>} manifest */
function declaredNames(manifest) {
  return new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.devDependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...Object.keys(manifest.optionalDependencies ?? {}),
  ]);
}

/** `@types/foo__bar` declares `@foo/bar`; `@types/foo` declares `foo`. @param {Set<string>} names @param {string} name */
function isDeclared(names, name) {
  if (names.has(name)) return true;
  const typesName = name.startsWith('@') ? `@types/${name.slice(1).replace('/', '__')}` : `@types/${name}`;
  return names.has(typesName);
}

/**
 * Check every workspace package under `root`.
 * @param {{ root: string }} options
 * @returns {{ violations: Violation[], filesScanned: number, packages: number }}
 */
export function checkBoundaries({ root }) {
  const packages = listWorkspacePackages(root);
  const byName = new Map(packages.map((pkg) => [pkg.name, pkg]));
  /** @type {Record<string, any>} */
  let rootManifest = {};
  try {
    rootManifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  } catch {
    // no root manifest: no root devDependencies
  }
  const rootDevNames = declaredNames({ devDependencies: rootManifest.devDependencies });
  /** @type {Violation[]} */
  const violations = [];
  let filesScanned = 0;
  for (const pkg of packages) {
    const declared = declaredNames(pkg.manifest);
    for (const relFile of walk(pkg.dir, '', [])) {
      filesScanned++;
      const absFile = path.join(pkg.dir, relFile);
      const file = path.relative(root, absFile).split(path.sep).join('/');
      const devOnly = DEV_ONLY.test(relFile);
      for (const { specifier, line } of findImports(readFileSync(absFile, 'utf8'))) {
        const found = (/** @type {Violation['rule']} */ rule, /** @type {string} */ message) =>
          violations.push({ file, line, specifier, rule, message });
        if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
          const target = path.resolve(path.dirname(absFile), specifier);
          const fromPackage = path.relative(pkg.dir, target);
          if (fromPackage.startsWith('..') || path.isAbsolute(fromPackage)) {
            const owner = packages.find((other) => !path.relative(other.dir, target).startsWith('..'));
            found(
              'outside-package',
              owner
                ? `reaches into ${owner.name} (${owner.relDir}) by path; import '${owner.name}' (its public entry) and declare it in ${pkg.relDir}/package.json`
                : `leaves ${pkg.relDir}; move the shared code into a package and import it by name`,
            );
          }
          continue;
        }
        if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? '')) continue;
        const name = packageNameOf(specifier);
        if (name === undefined) continue; // URL or other scheme: not a package
        const subpath = specifier === name ? '.' : `.${specifier.slice(name.length)}`;
        const target = byName.get(name);
        if (target && !isExported(target.manifest.exports, subpath)) {
          const exported = target.manifest.exports && typeof target.manifest.exports === 'object'
            ? Object.keys(target.manifest.exports).filter((k) => k.startsWith('.')).map((k) => `'${k}'`).join(', ')
            : "'.'";
          found(
            'deep-import',
            `'${subpath}' is not in ${name}'s exports map (exported: ${exported}); import from '${name}' instead, or add the subpath to ${target.relDir}/package.json "exports" if it is meant to be public`,
          );
        }
        if (name === pkg.name) continue; // self-reference through the exports map
        if (isDeclared(declared, name) || (devOnly && isDeclared(rootDevNames, name))) continue;
        const field = target ? `"dependencies" (as "workspace:*")` : devOnly ? '"devDependencies"' : '"dependencies" (or "peerDependencies")';
        found('undeclared-dependency', `${name} is not declared by ${pkg.name}; add it to ${field} in ${pkg.relDir}/package.json`);
      }
    }
  }
  return { violations, filesScanned, packages: packages.length };
}

/** One human-readable line block per violation. @param {Violation} violation */
export function formatViolation(violation) {
  return `${violation.file}:${violation.line}  '${violation.specifier}'  [${violation.rule}]\n    ${violation.message}`;
}
