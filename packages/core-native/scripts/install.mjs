#!/usr/bin/env node
// Builds the native addon with node-gyp (run by `install` and, with --if-needed, by `build`).
//
//   node scripts/install.mjs              build unless a prebuilt binary for this platform exists
//   node scripts/install.mjs --if-needed  rebuild only when a source is newer than build/Release/kiln.node
//   node scripts/install.mjs --force      always rebuild
//
// Prerequisites are checked first so a missing compiler is one clear line, not a wall of gyp
// output; node-gyp's full log goes to build/kiln-build.log. Never downloads binaries.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ISAS, listSources } from './list-sources.mjs';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const output = join(root, 'build', 'Release', 'kiln.node');
const logPath = join(root, 'build', 'kiln-build.log');

function onPath(command) {
  const probe = platform() === 'win32' ? 'where' : 'which';
  return spawnSync(probe, [command], { stdio: 'ignore' }).status === 0;
}

function newestSource() {
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else if (/\.(cc|h|gyp|mjs)$/.test(path)) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of ['src', 'binding.gyp', 'scripts/list-sources.mjs', 'package.json']) visit(join(root, path));
  return newest;
}

/** Node's headers: npm's nodedir config, beside this node binary, or node-gyp's cache. */
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured) return existsSync(join(configured, 'include', 'node', 'node_api.h')) ? configured : undefined;
  const prefix = resolve(dirname(process.execPath), '..');
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return undefined;
}

function fail(lines) {
  process.stderr.write(`\n@kiln/core-native: cannot build the native addon.\n  ${lines.join('\n  ')}\n\n`);
  process.exit(1);
}

const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'kiln.node');
if (!args.has('--force') && !args.has('--if-needed') && existsSync(prebuilt)) {
  console.log(`@kiln/core-native: using prebuilt ${prebuilt}`);
  process.exit(0);
}

const missing = [];
const compiler = process.env.CXX ?? (onPath('g++') ? 'g++' : onPath('clang++') ? 'clang++' : onPath('c++') ? 'c++' : undefined);
if (compiler === undefined || !onPath(compiler.split(' ')[0])) missing.push('a C++17 compiler (g++ >= 9 or clang++ >= 10)');
if (platform() !== 'win32' && !onPath('make')) missing.push('make');
if (!onPath('python3') && !onPath('python')) missing.push('python3');
if (missing.length > 0) {
  fail([
    `missing: ${missing.join(', ')}`,
    'install them, e.g.: apt-get install g++ make python3  (Debian/Ubuntu)',
    '                    dnf install gcc-c++ make python3  (Fedora)   xcode-select --install  (macOS)',
    'then run: pnpm rebuild @kiln/core-native   (or npm rebuild @kiln/core-native)',
  ]);
}

const require = createRequire(import.meta.url);
const gyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
const nodedir = findNodeDir();
const jobs = String(Math.max(1, Math.min(availableParallelism(), Number(process.env.npm_config_jobs) || 4)));
// Incremental `build` when the configured source list and binding.gyp are unchanged (new kernel
// files change the list and need a fresh configure); otherwise a clean `rebuild`.
const sourcesStamp = join(root, 'build', 'kiln-sources.txt');
const sourceList = ['common', ...ISAS].map((group) => `${group}: ${listSources(root, group).join(' ')}`).join('\n');
const incremental =
  args.has('--if-needed') &&
  existsSync(join(root, 'build', 'Makefile')) &&
  existsSync(sourcesStamp) &&
  readFileSync(sourcesStamp, 'utf8') === sourceList &&
  statSync(join(root, 'binding.gyp')).mtimeMs < statSync(sourcesStamp).mtimeMs;
if (
  args.has('--if-needed') &&
  existsSync(output) &&
  existsSync(sourcesStamp) &&
  readFileSync(sourcesStamp, 'utf8') === sourceList &&
  statSync(output).mtimeMs >= newestSource()
) {
  process.exit(0);
}
const gypArgs = [gyp, incremental ? 'build' : 'rebuild', '--release', `--jobs=${jobs}`];
if (nodedir !== undefined) gypArgs.push(`--nodedir=${nodedir}`);

console.log(`@kiln/core-native: building the native addon (node-gyp, ${jobs} jobs; log: ${logPath})`);
const result = spawnSync(process.execPath, gypArgs, { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
const log = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
mkdirSync(dirname(logPath), { recursive: true });
writeFileSync(logPath, log);
if (result.status !== 0 || !existsSync(output)) {
  const relevant = log
    .split('\n')
    .filter((line) => /error|Error|ERR!|not found|No such file/.test(line) && !/gyp info/.test(line))
    .slice(0, 12);
  const headers = /nodejs\.org|ENOTFOUND|ECONNREFUSED|node_api\.h|Could not find common\.gypi/.test(log);
  fail([
    `node-gyp failed (exit ${result.status}). Full log: ${logPath}`,
    ...relevant.map((line) => `| ${line.trim().slice(0, 200)}`),
    headers
      ? 'Node headers are missing: install them (apt-get install libnode-dev, or nodejs from nodejs.org which ships them) or point npm at them: npm config set nodedir /usr'
      : 'Check the log above; a compiler too old for C++17 or AVX-512 intrinsics needs g++ >= 9.',
  ]);
}
writeFileSync(sourcesStamp, sourceList);
console.log(`@kiln/core-native: built ${output}`);
