import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function node(code: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['-e', code], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });
}

describe('loading the addon', () => {
  it('works from the ESM build', () => {
    const r = node(`import('./dist/index.js').then(m => console.log(m.version(), typeof m.createEngine))`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+ function$/);
  });

  it('works from the CJS build', () => {
    const r = node(`const m = require('./dist/index.cjs'); console.log(m.version(), m.maxIsa())`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+ [a-z0-9]+$/);
  });

  it('a bad KILN_NATIVE_PATH fails with ERR_NATIVE_LOAD naming what was tried and what to do', () => {
    const r = node(
      `const m = require('./dist/index.cjs'); try { m.cpuFeatures() } catch (e) { console.log(e.code); console.log(e.message) }`,
      { KILN_NATIVE_PATH: '/nonexistent/kiln.node' },
    );
    expect(r.stdout).toMatch(/^ERR_NATIVE_LOAD/);
    expect(r.stdout).toContain('KILN_NATIVE_PATH /nonexistent/kiln.node: file does not exist');
    expect(r.stdout).toContain('pnpm rebuild @kiln/core-native');
  });

  it('loads and runs in a worker thread, which can then be terminated', async () => {
    const worker = new Worker(
      `
      const { parentPort } = require('node:worker_threads');
      const m = require(${JSON.stringify(`${root}dist/index.cjs`)});
      const engine = m.createEngine({ arenaBytes: 0, tensors: [
        { dtype: 'float32', shape: [1000], location: 'input', slot: 0 },
        { dtype: 'float32', shape: [1000], location: 'output', slot: 0 } ],
        layers: [{ kernel: 'f32_vunary', inputs: [0], outputs: [1], epilogue: [{ op: 'Neg' }] }] });
      const ctx = engine.createContext();
      const out = new Float32Array(1000);
      ctx.run([new Float32Array(1000).fill(2)], [out]).then(() => {
        parentPort.postMessage(out[999]);
        // keep jobs in flight while the parent terminates us
        const loop = () => ctx.run([new Float32Array(1000)], [new Float32Array(1000)]).then(loop);
        loop();
      });
      `,
      { eval: true },
    );
    const value = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(value).toBe(-2);
    await new Promise((r) => setTimeout(r, 20));
    const code = await worker.terminate();
    expect(code).toBe(1);
  });
});
