#!/usr/bin/env node
// Pack test: what users install is what we test. Packs every published package with
// `pnpm pack` (workspace:* becomes the exact version), installs the tarballs with plain npm
// into a scratch project outside the workspace, then checks for each package that
//   - `import * as m from '<name>'` (ESM) and `require('<name>')` (CJS, with require(esm)
//     switched off so a missing CJS build cannot hide) both work and carry every value export
//     its .d.ts declares,
//   - TypeScript resolves its types from an .mts and a .cts file (moduleResolution node16),
//   - publint --strict and attw (all resolution modes, nothing ignored) accept the tarball.
// Packages that are not built (or whose workspace dependencies are not) are skipped with a note.
//
//   node tools/pack/run.mjs [--package=@kiln/a,@kiln/b] [--keep] [--no-lint]
// Exit code 1 when any check fails; what failed is printed with the tool's output.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractApi, typeEntries } from '../deprecations/api.mjs';
import { isPublished, listWorkspacePackages, parseFlags, REPO_ROOT } from '../lib/workspace.mjs';
import { endToEnd } from './end-to-end.mjs';

const require = createRequire(import.meta.url);
const bin = (/** @type {string} */ name) => path.join(REPO_ROOT, 'node_modules', '.bin', name);
/** attw's CLI script, run with node so the fflate work-around can be preloaded (see attw-fflate-fix.mjs). */
function attwCommand() {
  const manifestPath = realpathSync(path.join(REPO_ROOT, 'node_modules', '@arethetypeswrong', 'cli', 'package.json'));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const script = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin.attw;
  return ['--import', fileURLToPath(new URL('./attw-fflate-fix.mjs', import.meta.url)), path.join(path.dirname(manifestPath), script)];
}

/**
 * @typedef {object} Failure
 * @property {string} name   package (or 'install')
 * @property {string} step   pack, install, esm, cjs, types, publint, attw
 * @property {string} detail
 */

/**
 * Run a command without blocking the event loop; resolves with its status and combined output.
 * @param {string} command @param {string[]} args @param {import('node:child_process').SpawnOptions} [options]
 * @returns {Promise<{ ok: boolean, output: string }>}
 */
function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { timeout: 600_000, ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    /** @type {Buffer[]} */
    const chunks = [];
    child.stdout?.on('data', (chunk) => chunks.push(chunk));
    child.stderr?.on('data', (chunk) => chunks.push(chunk));
    child.on('error', (error) => resolve({ ok: false, output: `${Buffer.concat(chunks).toString('utf8')}\n${error.message}`.trim() }));
    child.on('close', (code, signal) =>
      resolve({ ok: code === 0, output: `${Buffer.concat(chunks).toString('utf8')}${signal ? `\nkilled by ${signal}` : ''}`.trim() }),
    );
  });
}

/** The last lines of a tool's output, indented, for failure reports. @param {string} output */
function tail(output, lines = 40) {
  return output.split('\n').filter((line) => !/^npm warn Unknown (?:user|project) config/.test(line)).slice(-lines).map((l) => `      ${l}`).join('\n');
}

/** Whether the files a package's exports map points to exist (i.e. it was built). @param {import('../lib/workspace.mjs').WorkspacePackage} pkg */
function missingBuildOutput(pkg) {
  /** @type {string[]} */
  const targets = [];
  const collect = (/** @type {unknown} */ value) => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.manifest.exports ?? pkg.manifest.main);
  return targets.filter((t) => !t.includes('*') && !existsSync(path.join(pkg.dir, t)));
}

/** Value (runtime) exports a declaration file promises: functions, classes, variables, enums. @param {string} dtsPath */
export function valueExports(dtsPath) {
  const { symbols } = extractApi(dtsPath);
  return Object.entries(symbols)
    .filter(([, item]) => /function|class|const|let|var|enum/.test(item.kind) && !item.signatures.every((s) => s.startsWith('const enum')))
    .map(([name]) => name);
}

/**
 * @param {{ root?: string, only?: string[], keep?: boolean, lint?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ ok: boolean, tested: string[], skipped: string[], failures: Failure[], scratch: string }>}
 */
export async function packTest({ root = REPO_ROOT, only, keep = false, lint = true, log = console.log } = {}) {
  /** @type {Failure[]} */
  const failures = [];
  /** @type {string[]} */
  const skipped = [];
  const work = mkdtempSync(path.join(tmpdir(), 'kiln-pack-'));
  const tarballDir = path.join(work, 'tarballs');
  const scratch = path.join(work, 'scratch');
  mkdirSync(tarballDir);
  mkdirSync(scratch);
  const all = listWorkspacePackages(root).filter(isPublished);
  const names = new Set(all.map((pkg) => pkg.name));
  // A package can be installed only if it and its workspace dependencies are built.
  const packable = new Map(all.map((pkg) => [pkg.name, missingBuildOutput(pkg)]));
  const blockedBy = (/** @type {string} */ name, seen = new Set()) => {
    if (seen.has(name)) return [];
    seen.add(name);
    const pkg = all.find((p) => p.name === name);
    const deps = Object.keys({ ...pkg?.manifest.dependencies, ...pkg?.manifest.peerDependencies }).filter((d) => names.has(d));
    return [...((packable.get(name) ?? []).length > 0 ? [name] : []), ...deps.flatMap((d) => blockedBy(d, seen))];
  };
  const wanted = all.filter((pkg) => !only || only.includes(pkg.name));
  const selected = [];
  for (const pkg of wanted) {
    const blockers = [...new Set(blockedBy(pkg.name))];
    if (blockers.length > 0) {
      skipped.push(pkg.name);
      log(`skip  ${pkg.name}: not built (${blockers.join(', ')}); run pnpm build first`);
    } else selected.push(pkg);
  }
  // Workspace dependencies of the selected packages are packed and installed too.
  const toPack = all.filter((pkg) => selected.some((s) => s === pkg || dependsOn(s, pkg.name, all)));

  /** @type {Map<string, string>} */
  const tarballs = new Map();
  for (const pkg of toPack) {
    const before = new Set(readdirSync(tarballDir));
    const packed = await run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: pkg.dir });
    const created = readdirSync(tarballDir).find((f) => !before.has(f) && f.endsWith('.tgz'));
    if (!packed.ok || !created) failures.push({ name: pkg.name, step: 'pack', detail: tail(packed.output) });
    else tarballs.set(pkg.name, path.join(tarballDir, created));
  }
  log(`packed ${[...tarballs.keys()].join(', ') || 'nothing'} into ${tarballDir}`);

  // Install only packages whose own and workspace dependencies' tarballs all exist; npm would
  // otherwise look a missing one up in the registry and fail with an unhelpful 404.
  const installable = selected.filter((s) => toPack.every((d) => tarballs.has(d.name) || (d !== s && !dependsOn(s, d.name, all))));
  for (const pkg of selected.filter((s) => tarballs.has(s.name) && !installable.includes(s))) {
    failures.push({ name: pkg.name, step: 'install', detail: '      not installed: a workspace dependency failed to pack (see its [pack] failure)' });
  }
  if (installable.length > 0) {
    writeFileSync(path.join(scratch, 'package.json'), `${JSON.stringify({ name: 'kiln-pack-scratch', private: true }, null, 2)}\n`);
    log('npm install (a native addon may compile; this can take a minute)…');
    const env = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_update_notifier: 'false' };
    const needed = toPack.filter((d) => installable.some((s) => s === d || dependsOn(s, d.name, all)));
    const installed = await run('npm', ['install', '--no-audit', '--no-fund', ...needed.map((d) => /** @type {string} */ (tarballs.get(d.name)))], { cwd: scratch, env });
    if (!installed.ok) failures.push({ name: installable.map((p) => p.name).join(', '), step: 'install', detail: tail(installed.output) });
    else await checkScratch({ scratch, names: installable.map((p) => p.name), failures, log });
  }
  if (lint) {
    for (const pkg of selected) {
      const tarball = tarballs.get(pkg.name);
      if (!tarball) continue;
      const publint = await run(bin('publint'), ['run', tarball, '--strict']);
      if (!publint.ok) failures.push({ name: pkg.name, step: 'publint', detail: tail(publint.output) });
      const attw = await run(process.execPath, [...attwCommand(), tarball, '--profile', 'strict', '--no-definitely-typed', '--format', 'ascii', '--no-color']);
      if (!attw.ok) failures.push({ name: pkg.name, step: 'attw', detail: tail(attw.output) });
      log(`${publint.ok && attw.ok ? 'ok  ' : 'FAIL'}  ${pkg.name}: publint --strict, attw`);
    }
  }
  const tested = selected.map((p) => p.name).filter((n) => tarballs.has(n));
  if (failures.length === 0 && tested.length > 0) await endToEnd({ scratch, log });
  if (!keep) rmSync(work, { recursive: true, force: true });
  else log(`kept ${work}`);
  return { ok: failures.length === 0, tested, skipped, failures, scratch };
}

/** Whether `pkg` depends on `name`, directly or through other workspace packages. */
function dependsOn(/** @type {any} */ pkg, /** @type {string} */ name, /** @type {any[]} */ all, seen = new Set()) {
  if (seen.has(pkg.name)) return false;
  seen.add(pkg.name);
  const deps = Object.keys({ ...pkg.manifest.dependencies, ...pkg.manifest.peerDependencies });
  return deps.includes(name) || deps.some((d) => { const next = all.find((p) => p.name === d); return next ? dependsOn(next, name, all, seen) : false; });
}

/** ESM, CJS and type checks inside the scratch project. @param {{ scratch: string, names: string[], failures: Failure[], log: (line: string) => void }} input */
async function checkScratch({ scratch, names, failures, log }) {
  /** @type {Record<string, string[]>} */
  const expected = {};
  for (const name of names) {
    const dir = path.join(scratch, 'node_modules', ...name.split('/'));
    const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const dts = typeEntries(dir, manifest)['.'];
    expected[name] = dts && existsSync(dts) ? valueExports(dts) : [];
  }
  const body = IMPORT_CHECK.replace('__EXPECTED__', JSON.stringify(expected));
  writeFileSync(path.join(scratch, 'check-esm.mjs'), body.replace('__LOAD__', 'await import(name)'));
  writeFileSync(path.join(scratch, 'check-cjs.cjs'), `(async () => {${body.replace('__LOAD__', 'require(name)')}})();`);
  for (const [step, file, flags] of /** @type {const} */ ([['esm', 'check-esm.mjs', []], ['cjs', 'check-cjs.cjs', ['--no-experimental-require-module']]])) {
    const result = await run(process.execPath, [...flags, file], { cwd: scratch });
    for (const line of result.output.split('\n')) {
      const failure = /^FAIL (\S+) (.*)$/.exec(line);
      if (failure?.[1]) failures.push({ name: failure[1], step, detail: `      ${failure[2]}` });
    }
    if (!result.ok && !/^FAIL /m.test(result.output)) failures.push({ name: names.join(', '), step, detail: tail(result.output) });
  }
  const ids = names.map((name, i) => [name, `package${i}`]);
  writeFileSync(path.join(scratch, 'types-esm.mts'), `${ids.map(([n, id]) => `import * as ${id} from '${n}';`).join('\n')}\nexport const all = [${ids.map(([, id]) => id).join(', ')}];\n`);
  writeFileSync(path.join(scratch, 'types-cjs.cts'), `${ids.map(([n, id]) => `import ${id} = require('${n}');`).join('\n')}\nexport const all = [${ids.map(([, id]) => id).join(', ')}];\n`);
  const tsconfig = {
    compilerOptions: {
      module: 'node16', moduleResolution: 'node16', target: 'ES2022', lib: ['ES2022'], strict: true, noEmit: true,
      skipLibCheck: false, types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
    },
    files: ['types-esm.mts', 'types-cjs.cts'],
  };
  writeFileSync(path.join(scratch, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: scratch });
  if (!tsc.ok) {
    // Line n of each types file imports names[n - 1]: charge each error to its package.
    /** @type {Map<string, string[]>} */
    const byPackage = new Map();
    let key = names.join(', '); // errors outside the two files (e.g. in a .d.ts) stay with every package
    for (const line of tsc.output.split('\n')) {
      const at = /^types-(?:esm|cjs)\.[cm]ts\((\d+),/.exec(line);
      if (at) key = names[Number(at[1]) - 1] ?? names.join(', ');
      else if (/^\S/.test(line)) key = names.join(', ');
      byPackage.set(key, [...(byPackage.get(key) ?? []), line]);
    }
    for (const [name, lines] of byPackage) failures.push({ name, step: 'types', detail: tail(lines.join('\n')) });
  }
  for (const name of names) {
    const own = failures.filter((f) => f.name.split(', ').includes(name));
    log(`${own.length === 0 ? 'ok  ' : 'FAIL'}  ${name}: ESM import, CJS require, types (node16); exports checked: ${expected[name]?.join(', ') || '(none declared)'}`);
  }
}

/** Generated into the scratch project; __LOAD__ is `await import(name)` or `require(name)`. */
const IMPORT_CHECK = `
const expected = __EXPECTED__;
let failed = false;
for (const [name, names] of Object.entries(expected)) {
  let m;
  try { m = __LOAD__; } catch (error) { console.log('FAIL ' + name + ' cannot be loaded: ' + String(error && error.message).split('\\n')[0]); failed = true; continue; }
  for (const exported of names) if (!(exported in m)) { console.log('FAIL ' + name + " lacks export '" + exported + "'"); failed = true; }
}
process.exitCode = failed ? 1 : 0;
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { flags } = parseFlags(process.argv.slice(2));
  const only = typeof flags.package === 'string' ? flags.package.split(',') : undefined;
  const result = await packTest({ only, keep: Boolean(flags.keep), lint: !flags['no-lint'] });
  for (const failure of result.failures) console.error(`\nFAIL ${failure.name} [${failure.step}]\n${failure.detail}`);
  console.log(`\npack: ${result.tested.length} tested, ${result.skipped.length} skipped (not built), ${result.failures.length} failure(s)`);
  if (!result.ok) process.exitCode = 1;
}
