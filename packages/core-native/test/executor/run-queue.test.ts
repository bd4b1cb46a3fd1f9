import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A script that builds a one-layer engine (y = -x over 4096 floats) as `ctx`, then runs `body`;
 * `mask(tid)` reads a thread's allowed cores (Linux), `tanhEngine(n)` builds y = tanh(x) over n floats.
 */
function script(body: string): string {
  return `
    const fs = require('node:fs');
    const mask = (tid) => /Cpus_allowed_list:\\s*(\\S+)/.exec(fs.readFileSync('/proc/self/task/' + tid + '/status', 'utf8'))[1];
    const m = require(${JSON.stringify(`${root}dist/index.cjs`)});
    const engine = m.createEngine({ arenaBytes: 0, tensors: [
      { dtype: 'float32', shape: [4096], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [4096], location: 'output', slot: 0 } ],
      layers: [{ kernel: 'f32_vunary', inputs: [0], outputs: [1], epilogue: [{ op: 'Neg' }] }] });
    const ctx = engine.createContext();
    // y = tanh(x) over n floats: runs of a few milliseconds.
    const tanhEngine = (n) => m.createEngine({ arenaBytes: 0, tensors: [
      { dtype: 'float32', shape: [n], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [n], location: 'output', slot: 0 } ],
      layers: [{ kernel: 'f32_vunary', inputs: [0], outputs: [1], epilogue: [{ op: 'Tanh' }] }] });
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

  it.runIf(process.platform === 'linux')('places only the first of runs submitted together on the caller\'s core', () => {
    // A run thread is pinned to the caller's core only for a run submitted while none is in
    // flight: a second one pinned there too would wait for the first instead of taking an idle
    // core. Read right after submitting two runs, before either can settle: at most one run thread
    // is restricted to a single core (the placed one; the other is widened before it is woken).
    const r = node(
      script(`
        const big = tanhEngine(1 << 22);
        const contexts = [big.createContext(), big.createContext()];
        const xs = [new Float32Array(1 << 22), new Float32Array(1 << 22)];
        const ys = [new Float32Array(1 << 22), new Float32Array(1 << 22)];
        (async () => {
          await Promise.all(contexts.map((c, i) => c.run([xs[i]], [ys[i]])));  // two run threads exist
          let most = 0;
          for (let round = 0; round < 5; round++) {
            const runs = contexts.map((c, i) => c.run([xs[i]], [ys[i]]));
            const pinned = fs.readdirSync('/proc/self/task').filter((tid) => tid !== String(process.pid) && !/[-,]/.test(mask(tid)));
            most = Math.max(most, pinned.length);
            await Promise.all(runs);
          }
          console.log(JSON.stringify({ cores: mask(process.pid), most }));
        })();`),
    );
    expect(r.stderr).toBe('');
    const { cores, most } = JSON.parse(r.stdout) as { cores: string; most: number };
    if (!/[-,]/.test(cores)) return;  // one core: every thread is restricted to it
    expect(most).toBeLessThanOrEqual(1);
  });

  it.runIf(process.platform === 'linux')('serves awaited runs one after another with one run thread', () => {
    // A finished run thread makes itself idle before the JS thread hears of its job: woken on the
    // same core, the JS thread preempts it and submits the next run at once, which must find that
    // thread (placed on this core already) instead of starting or waking another one and moving
    // the pin. Runs of a few milliseconds, so the JS thread is asleep when each one ends.
    const r = node(
      script(`
        const big = tanhEngine(1 << 21);
        m.setThreads(1);
        const c = big.createContext();
        const xs = new Float32Array(1 << 21).fill(0.5);
        const ys = new Float32Array(1 << 21);
        (async () => {
          await c.run([xs], [ys]);
          const first = fs.readdirSync('/proc/self/task').length;
          for (let i = 0; i < 40; i++) await c.run([xs], [ys]);
          console.log(JSON.stringify({ first, last: fs.readdirSync('/proc/self/task').length, y: ys[7] }));
        })();`),
    );
    expect(r.stderr).toBe('');
    const { first, last, y } = JSON.parse(r.stdout) as { first: number; last: number; y: number };
    expect(y).toBeCloseTo(Math.tanh(0.5), 5);
    expect(last).toBe(first);
  });

  it.runIf(process.platform === 'linux')('leaves the JS thread and all but one run thread unrestricted after runs settle', () => {
    // Before waking a run thread the queue places it on the caller's core (where it stays for the
    // caller's next run), and a finished job pins the JS thread where it ended: the JS thread must
    // be widened again, or the application's own JavaScript (and every thread it starts) would
    // share one core, and no more than the one placed run thread may stay restricted. Sequential
    // and concurrent runs.
    const r = node(
      script(`
        const before = mask(process.pid);
        (async () => {
          for (let i = 0; i < 20; i++) await ctx.run([x], [y]);
          const contexts = Array.from({ length: 6 }, () => engine.createContext());
          for (let i = 0; i < 5; i++) await Promise.all(contexts.map((c) => c.run([x], [new Float32Array(4096)])));
          const all = fs.readdirSync('/proc/self/task').map(mask);
          console.log(JSON.stringify({ before, main: mask(process.pid), all }));
        })();`),
    );
    expect(r.stderr).toBe('');
    const { before, main, all } = JSON.parse(r.stdout) as { before: string; main: string; all: string[] };
    expect(main).toBe(before);
    expect(all.filter((mask) => mask !== main).length).toBeLessThanOrEqual(1);
  });
});
