// Finds and loads the native addon: KILN_NATIVE_PATH, then prebuilds/<platform>-<arch>/kiln.node,
// then the local build. Each candidate must load AND report this package's version. When all
// fail, one KilnError says what was tried, why each failed and what to do.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KilnError, readFlag } from '@kiln/common';
import type { NativeAddon } from './native-types.js';

const PACKAGE_NAME = '@kiln/core-native';

/** The package folder: walks up from this module (src/internal/ in tests, dist/ when built). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** The version in this package's package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

interface Attempt {
  source: string;
  path: string;
  reason: string;
}

let cached: NativeAddon | undefined;

function tryLoad(path: string, expectedVersion: string): NativeAddon | string {
  if (!existsSync(path)) return 'file does not exist';
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    if (typeof addon?.version !== 'function') return 'not a Kiln addon (no version())';
    const built = addon.version();
    if (built !== expectedVersion) return `built for ${PACKAGE_NAME} ${built}, this package is ${expectedVersion}`;
    return addon;
  } catch (error) {
    return (error as Error).message.split('\n')[0] ?? String(error);
  }
}

/**
 * Loads the addon once per JS environment (each worker thread loads its own instance state).
 * Applies KILN_MAX_ISA on first load.
 */
export function loadAddon(): NativeAddon {
  if (cached !== undefined) return cached;
  const root = packageRoot();
  const version = packageVersion();
  const candidates: Array<{ source: string; path: string }> = [];
  const explicit = readFlag('KILN_NATIVE_PATH');
  if (explicit !== undefined) candidates.push({ source: 'KILN_NATIVE_PATH', path: explicit });
  candidates.push({ source: 'prebuilt binary', path: join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'kiln.node') });
  candidates.push({ source: 'local build', path: join(root, 'build', 'Release', 'kiln.node') });
  const attempts: Attempt[] = [];
  for (const candidate of candidates) {
    const result = tryLoad(candidate.path, version);
    if (typeof result !== 'string') {
      const cap = readFlag('KILN_MAX_ISA');
      if (cap !== undefined) result.setIsaCap(cap as Parameters<NativeAddon['setIsaCap']>[0]);
      const threads = readFlag('KILN_THREADS');
      if (threads !== undefined) result.setThreads(threads);
      cached = result;
      return result;
    }
    attempts.push({ ...candidate, reason: result });
    if (candidate.source === 'KILN_NATIVE_PATH') break; // an explicit path must not silently fall back
  }
  throw new KilnError('ERR_NATIVE_LOAD', `${PACKAGE_NAME} could not load its native addon.`, {
    expected: `a kiln.node built for ${PACKAGE_NAME} ${version} on ${process.platform}-${process.arch} (Node ${process.versions.node})`,
    found: attempts.map((a) => `${a.source} ${a.path}: ${a.reason}`).join('; '),
    hint:
      'Build it: `pnpm rebuild @kiln/core-native` (or `npm rebuild @kiln/core-native`); this needs a C++17 compiler, make ' +
      'and python3 (e.g. `apt-get install g++ make python3`). The build log is build/kiln-build.log in the package. ' +
      'If KILN_NATIVE_PATH is set, point it at an existing kiln.node or unset it.',
  });
}
