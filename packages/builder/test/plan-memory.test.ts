import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planMemory, type BufferUse } from '../src/internal/memory/plan-memory.js';

const bufferArbitrary = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.nat(40), fc.nat(10)), { minLength: 1, maxLength: 60 })
  .map((items) => items.map(([byteLength, firstUse, span], id): BufferUse => ({ id, byteLength, firstUse, lastUse: firstUse + span })));

describe('planMemory', () => {
  it('never overlaps two buffers that are live at the same time (property)', () => {
    fc.assert(
      fc.property(bufferArbitrary, (buffers) => {
        const plan = planMemory(buffers);
        for (const a of buffers) {
          const offsetA = plan.offsets.get(a.id)!;
          expect(offsetA % 64).toBe(0);
          expect(offsetA + a.byteLength).toBeLessThanOrEqual(plan.arenaBytes);
          for (const b of buffers) {
            if (a.id >= b.id || a.lastUse < b.firstUse || b.lastUse < a.firstUse) continue;
            const offsetB = plan.offsets.get(b.id)!;
            const disjoint = offsetA + a.byteLength <= offsetB || offsetB + b.byteLength <= offsetA;
            expect(disjoint, `buffers ${a.id} and ${b.id} overlap`).toBe(true);
          }
        }
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('the peak is at least the largest live set and at most the aligned sum', () => {
    fc.assert(
      fc.property(bufferArbitrary, (buffers) => {
        const plan = planMemory(buffers);
        const lastStep = Math.max(...buffers.map((b) => b.lastUse));
        let liveMax = 0;
        for (let step = 0; step <= lastStep; step++) {
          const live = buffers.filter((b) => b.firstUse <= step && step <= b.lastUse).reduce((sum, b) => sum + b.byteLength, 0);
          liveMax = Math.max(liveMax, live);
        }
        expect(plan.arenaBytes).toBeGreaterThanOrEqual(liveMax);
        expect(plan.arenaBytes).toBeLessThanOrEqual(buffers.reduce((sum, b) => sum + Math.ceil(b.byteLength / 64) * 64, 0));
      }),
      { seed: 43, numRuns: 300 },
    );
  });

  it('reuses memory along a chain', () => {
    // a -> b -> c -> d: each tensor lives for two steps, so two slots suffice.
    const chain = [0, 1, 2, 3].map((id) => ({ id, byteLength: 1024, firstUse: id, lastUse: id + 1 }));
    const plan = planMemory(chain);
    expect(plan.arenaBytes).toBe(2048);
    expect(plan.totalBytes).toBe(4096);
  });
});

describe('reshape views in the arena', () => {
  it('gives a Reshape between two arena tensors its input bytes, keeps them alive for both, and stays correct', async () => {
    const { NetworkDefinition, buildSerializedNetwork } = await import('../src/index.js');
    const { Runtime } = await import('@kiln/runtime');
    const { evaluate, load, save } = await import('@kiln/onnx-tools');
    const { closeTo, randomFloat } = await import('./helpers.js');
    const network = new NetworkDefinition();
    const x = network.addInput('x', 'float32', [2, 12]);
    const a = network.addActivation(x, 'Sigmoid');
    const flat = network.addShuffle(a, { reshape: [4, 6] });
    // Both the reshape's input and its output are read later: the shared bytes must outlive both.
    const left = network.addActivation(flat, 'Relu');
    const right = network.addShuffle(network.addActivation(a, 'Tanh'), { reshape: [4, 6] });
    network.markOutput(network.addElementwise(left, right, 'Add'), 'y');
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network));
    const header = (engine as unknown as { header: { tensors: { name: string; location: string; offset?: number }[]; layers: { kernel: string; inputs: number[]; outputs: number[] }[] } }).header;
    const copies = header.layers.filter((layer) => layer.kernel.startsWith('x_copy'));
    const shared = copies.filter((layer) => {
      const [input, output] = [header.tensors[layer.inputs[0]!]!, header.tensors[layer.outputs[0]!]!];
      return input.location === 'arena' && output.location === 'arena' && input.offset === output.offset;
    });
    expect(shared.length).toBeGreaterThan(0);
    const feeds = { x: randomFloat([2, 12], 71, 3) };
    const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(await load(save(network.model)), feeds)];
    const result = closeTo(mine.y!, theirs.y!, 1e-6, 1e-5);
    expect(result.ok, result.message).toBe(true);
  });
});
