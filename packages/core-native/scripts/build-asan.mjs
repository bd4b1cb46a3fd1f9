#!/usr/bin/env node
// Builds the addon with AddressSanitizer + UBSan (-O1, frame pointers) into build-asan/, from a
// staging folder of symlinks so the release build in build/ is untouched. Run the kernel tests
// against it with `pnpm test:asan` (scripts/test-asan.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const stage = join(root, 'build-asan');
mkdirSync(stage, { recursive: true });
for (const entry of ['binding.gyp', 'src', 'scripts', 'package.json', 'node_modules']) {
  const link = join(stage, entry);
  rmSync(link, { force: true, recursive: false });
  symlinkSync(join(root, entry), link);
}
const require = createRequire(import.meta.url);
const gyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
const nodedirCandidate = resolve(dirname(process.execPath), '..');
const gypArgs = [gyp, 'rebuild', '--release', '--jobs=2'];
if (existsSync(join(nodedirCandidate, 'include', 'node', 'node_api.h'))) gypArgs.push(`--nodedir=${nodedirCandidate}`);
gypArgs.push('--', '-Dkiln_sanitize=1');
const result = spawnSync(process.execPath, gypArgs, { cwd: stage, stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
console.log(`ASan build: ${join(stage, 'build', 'Release', 'kiln.node')}`);
