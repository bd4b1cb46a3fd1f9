// Per-layer profiling of an execution context: one time per layer, only while enabled.
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { createEngine, type NativeProgram, packWeights } from '../../src/index.js';

/** x [1,4,6,3] NCHW-ish input -> transpose -> gemm (K=3 -> N=5) -> softmax: three layers. */
function program(): { program: NativeProgram; weights: Float32Array } {
  const packed = packWeights('f32_gemm', [3, 5, 0], Float32Array.from({ length: 15 }, (_, i) => i / 15));
  return {
    program: {
      arenaBytes: 1024,
      tensors: [
        { dtype: 'float32', shape: [1, 3, 4, 6], location: 'input', slot: 0 },
        { dtype: 'float32', shape: [1, 4, 6, 3], location: 'arena', offset: 0 },
        { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
        { dtype: 'float32', shape: [1, 4, 6, 5], location: 'arena', offset: 512 },
        { dtype: 'float32', shape: [1, 4, 6, 5], location: 'output', slot: 0 },
      ],
      layers: [
        { kernel: 'x_transpose', inputs: [0], outputs: [1], params: [0, 2, 3, 1] },
        { kernel: 'f32_gemm', inputs: [1, 2], outputs: [3], params: [3, 5, 0, 0], epilogue: [{ op: 'Relu' }] },
        { kernel: 'f32_softmax', inputs: [3], outputs: [4], params: [-1] },
      ],
    },
    weights: packed,
  };
}

describe('context profiling', () => {
  it('returns one time per layer for async and sync runs while enabled', async () => {
    const { program: p, weights } = program();
    const context = createEngine(p, weights).createContext();
    const x = new Float32Array(72).map((_, i) => i / 72);
    const y = new Float32Array(120);
    expect(context.lastProfile()).toBeUndefined();
    await context.run([x], [y]);
    expect(context.lastProfile()).toBeUndefined();
    context.setProfiling(true);
    await context.run([x], [y]);
    const first = context.lastProfile()!;
    expect(first).toBeInstanceOf(Float64Array);
    expect(first.length).toBe(3);
    expect(Array.from(first).every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
    context.runSync([x], [y]);
    expect(context.lastProfile()!.length).toBe(3);
    context.setProfiling(false);
    const kept = context.lastProfile()!;
    context.runSync([x], [y]);
    expect(Array.from(context.lastProfile()!)).toEqual(Array.from(kept));
  });

  it('refuses to read the profile while a run is in flight', async () => {
    const { program: p, weights } = program();
    const context = createEngine(p, weights).createContext();
    context.setProfiling(true);
    const pending = context.run([new Float32Array(72)], [new Float32Array(120)]);
    let caught: unknown;
    try {
      context.lastProfile();
    } catch (error) {
      caught = error;
    }
    await pending;
    if (caught !== undefined) expect(KilnError.isInstance(caught, 'ERR_CONTEXT_BUSY')).toBe(true);
    expect(context.lastProfile()!.length).toBe(3);
  });
});
