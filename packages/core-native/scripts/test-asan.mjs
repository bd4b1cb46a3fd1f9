#!/usr/bin/env node
// Runs the native kernel and executor tests against the ASan/UBSan build (build-asan/).
// libasan must be loaded before anything else, so it is LD_PRELOADed; Node itself leaks by
// design at exit, hence detect_leaks=0. UBSan's vptr check is off in the build: it flags
// node-addon-api's ObjectWrap constructor (a static_cast to the derived class under construction).
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'build-asan', 'build', 'Release', 'kiln.node');
if (!existsSync(addon)) {
  const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-asan.mjs')], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
const cxx = process.env.CXX ?? 'g++';
const libasan = execFileSync(cxx, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
const libubsan = execFileSync(cxx, ['-print-file-name=libubsan.so'], { encoding: 'utf8' }).trim();
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const result = spawnSync(process.execPath, [vitest, 'run', '--pool=forks', 'test/kernels', 'test/executor'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    LD_PRELOAD: [libasan, libubsan].join(' '),
    // allocator_may_return_null: an allocation too big to serve fails as it does without ASan
    // (bad_alloc, which the bindings report as ERR_OUT_OF_MEMORY) instead of ending the run.
    ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:halt_on_error=1:allocator_may_return_null=1',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    KILN_NATIVE_PATH: addon,
  },
});
process.exit(result.status ?? 1);
