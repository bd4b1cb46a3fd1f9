import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A script that builds a one-layer engine (y = -x over 4096 floats) as `ctx`, then runs `body`. */
function script(body: string): string {
  return `
    const m = require(${JSON.stringify(`${root}dist/index.cjs`)});
    const engine = m.createEngine({ arenaBytes: 0, tensors: [
      { dtype: 'float32', shape: [4096], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [4096], location: 'output', slot: 0 } ],
      layers: [{ kernel: 'f32_vunary', inputs: [0], outputs: [1], epilogue: [{ op: 'Neg' }] }] });
    const ctx = engine.createContext();
    const x = new Float32Array(4096).fill(3);
    const y = new Float32Array(4096);
    ${body}`;
}

function node(code: string, env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, ['-e', code], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('run queue', () => {
  it('keeps the process alive while a run is in flight, and lets it exit once runs have settled', () => {
    // Nothing but the run keeps the event loop alive: the process must wait for it, then exit.
    const r = node(script(`ctx.run([x], [y]).then(() => console.log('settled', y[4095]));`));
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('settled -3');
    expect(r.status).toBe(0);
  });

  it('settles every run queued beyond its threads, each with its own result', () => {
    const r = node(
      script(`
        const contexts = Array.from({ length: 12 }, () => engine.createContext());
        const order = [];
        const outs = contexts.map(() => new Float32Array(4096));
        Promise.all(contexts.map((c, i) => c.run([new Float32Array(4096).fill(i)], [outs[i]]).then(() => order.push(i))))
          .then(() => console.log(JSON.stringify({ order, values: outs.map((o) => o[4095]) })));`),
    );
    expect(r.stderr).toBe('');
    const { order, values } = JSON.parse(r.stdout) as { order: number[]; values: number[] };
    expect(values).toEqual(Array.from({ length: 12 }, (_, i) => (i === 0 ? 0 : -i)));
    expect(order).toHaveLength(12);
  });

  it.runIf(process.platform === 'linux')('leaves no thread restricted to one core after runs settle', () => {
    // Before waking a run thread the queue places it on the caller's core; the thread must widen
    // its affinity again once it runs, or every later inference would share one core.
    const r = node(
      script(`
        const fs = require('node:fs');
        (async () => {
          for (let i = 0; i < 20; i++) await ctx.run([x], [y]);
          const masks = fs.readdirSync('/proc/self/task').map((tid) =>
            /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8'))[1]);
          console.log(JSON.stringify({ main: masks[0], all: masks }));
        })();`),
    );
    expect(r.stderr).toBe('');
    const { main, all } = JSON.parse(r.stdout) as { main: string; all: string[] };
    for (const mask of all) expect(mask).toBe(main);
  });
});
