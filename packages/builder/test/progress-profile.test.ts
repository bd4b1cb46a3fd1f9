import { GraphBuilder, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { type BuildProgress, buildEngine } from '../src/index.js';
import { randomFloat } from './helpers.js';

/** Conv+Relu, an LpNormalization (no native kernel: a reference layer), then another Conv. */
function convResizeConv(): Uint8Array {
  const g = new GraphBuilder('progress');
  const x = g.input('x', 'float32', [1, 4, 8, 8]);
  const a = g.layer('Relu', [g.layer('Conv', [x, g.constant(randomFloat([4, 4, 3, 3], 1, 0.3)), g.constant(randomFloat([4], 2))], { pads: [1, 1, 1, 1] })]);
  const up = g.layer('LpNormalization', [a], { axis: 1, p: 2 });
  g.output(g.layer('Conv', [up, g.constant(randomFloat([2, 4, 1, 1], 3, 0.3))]));
  return save(g.toModel({ opset: 17 }));
}

describe('build progress and per-layer profiling', () => {
  it('reports each stage and every layer, done counts rising to the total', async () => {
    const events: BuildProgress[] = [];
    const plan = await buildEngine(convResizeConv(), { progress: (event) => events.push(event) });
    const layers = new Runtime().deserializeEngine(plan).inspect().layers.length;
    expect(events[0]!.stage).toBe('optimize');
    expect(events.at(-1)).toMatchObject({ stage: 'done', done: layers, total: layers });
    // Tactic timing counts the layers it times; timed choices made afterwards can still change the
    // plan's size: each of the two convs may read NCHW itself or take a reformat and the NHWC path
    // (revisitNchwConvs), one layer more or fewer each.
    const timing = events.filter((event) => event.stage === 'tactics');
    const timed = timing[0]!.total;
    expect(Math.abs(layers - timed)).toBeLessThanOrEqual(2);
    expect(timing.map((event) => event.done)).toEqual([...Array(timed + 1).keys()]);
    expect(timing.slice(0, -1).every((event) => typeof event.layer === 'string' && event.total === timed)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i]!.elapsedMs).toBeGreaterThanOrEqual(events[i - 1]!.elapsedMs);
  });

  it('times every layer, native and reference, only while profiling is on', async () => {
    const engine = new Runtime().deserializeEngine(await buildEngine(convResizeConv(), { builderOptimizationLevel: 0 }));
    const layers = engine.inspect().layers;
    expect(layers.some((layer) => layer.tactic === 'reference')).toBe(true);
    const context = engine.createExecutionContext();
    const feeds = { x: randomFloat([1, 4, 8, 8], 4) };
    await context.run(feeds);
    expect(context.lastProfile()).toBeUndefined();
    context.setProfiling(true);
    const profiled = await context.run(feeds);
    const profile = context.lastProfile()!;
    expect(profile.map((entry) => entry.name)).toEqual(layers.map((layer) => layer.name));
    expect(profile.every((entry) => Number.isFinite(entry.ms) && entry.ms >= 0)).toBe(true);
    expect(profile.filter((entry) => entry.ms > 0).length).toBeGreaterThanOrEqual(layers.length - 1);
    const reference = layers.findIndex((layer) => layer.tactic === 'reference');
    expect(profile[reference]!.ms).toBeGreaterThan(0);
    // Profiling does not change results; turning it off keeps the last profile.
    context.setProfiling(false);
    const plain = await context.run(feeds);
    expect(Array.from(plain[engine.outputs[0]!.name]!.data as Float32Array)).toEqual(Array.from(profiled[engine.outputs[0]!.name]!.data as Float32Array));
    expect(context.lastProfile()).toEqual(profile);
  });
});
