import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { createEngine, type NativeProgram } from '../../src/index.js';
import { expectClose, randomFloats, rng } from '../helpers/harness.js';

const ROWS = 6;
const COLS = 37;

/** y = Softmax(Relu(x + bias)) over the last axis, with the intermediate in the arena. */
function program(kernelSuffix = ''): NativeProgram {
  return {
    arenaBytes: 64 * Math.ceil((ROWS * COLS * 4) / 64),
    tensors: [
      { dtype: 'float32', shape: [ROWS, COLS], location: 'input', slot: 0 },
      { dtype: 'float32', shape: [COLS], location: 'weights', offset: 64 },
      { dtype: 'float32', shape: [ROWS, COLS], location: 'arena', offset: 0 },
      { dtype: 'float32', shape: [ROWS, COLS], location: 'output', slot: 0 },
    ],
    layers: [
      { kernel: `f32_vbinary_add${kernelSuffix}`, inputs: [0, 1], outputs: [2], epilogue: [{ op: 'Relu' }] },
      { kernel: `f32_softmax${kernelSuffix}`, inputs: [2], outputs: [3], params: [-1] },
    ],
  };
}

function weights(bias: Float32Array): Float32Array {
  const w = new Float32Array(16 + COLS); // bias at byte offset 64
  w.set(bias, 16);
  return w;
}

function reference(x: Float32Array, bias: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  for (let r = 0; r < ROWS; r++) {
    const row = Array.from({ length: COLS }, (_, c) => Math.max(0, x[r * COLS + c]! + bias[c]!));
    const max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => {
      y[r * COLS + c] = v / sum;
    });
  }
  return y;
}

async function expectKilnError(fn: () => unknown, code: string, text?: RegExp) {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(KilnError.isInstance(caught), `expected a KilnError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as KilnError).code).toBe(code);
  if (text) expect((caught as KilnError).message).toMatch(text);
}

describe('executor', () => {
  const random = rng();
  const x = randomFloats(ROWS * COLS, random);
  const bias = randomFloats(COLS, random);

  it('Add+Relu -> Softmax matches a JS computation (async and sync)', async () => {
    const engine = createEngine(program(), weights(bias));
    const context = engine.createContext();
    const out = new Float32Array(ROWS * COLS);
    await context.run([x], [out]);
    expectClose(out, reference(x, bias), 'Add+Relu+Softmax', 1e-6, 1e-5);
    const again = new Float32Array(ROWS * COLS);
    context.runSync([x], [again]);
    expect(again).toEqual(out);
    expect(engine.describe().tactics[1]).toMatch(/^f32_softmax__/);
  });

  it('8 contexts running concurrently give bit-identical results', async () => {
    const engine = createEngine(program(), weights(bias));
    const contexts = Array.from({ length: 8 }, () => engine.createContext());
    const outs = contexts.map(() => new Float32Array(ROWS * COLS));
    for (let round = 0; round < 5; round++) {
      await Promise.all(contexts.map((c, i) => c.run([x], [outs[i]!])));
      for (const o of outs) expect(o).toEqual(outs[0]);
    }
    expectClose(outs[0]!, reference(x, bias), 'concurrent', 1e-6, 1e-5);
  });

  it('reports a busy context instead of racing', async () => {
    const engine = createEngine(program(), weights(bias));
    const context = engine.createContext();
    const first = context.run([x], [new Float32Array(ROWS * COLS)]);
    expect(context.busy).toBe(true);
    await expectKilnError(() => context.run([x], [new Float32Array(ROWS * COLS)]), 'ERR_CONTEXT_BUSY');
    await first;
    expect(context.busy).toBe(false);
  });

  it('rejects wrong bindings with coded errors', async () => {
    const context = createEngine(program(), weights(bias)).createContext();
    const out = new Float32Array(ROWS * COLS);
    await expectKilnError(() => context.run([new Float32Array(5)], [out]), 'ERR_BINDING_INVALID', /byte length/);
    await expectKilnError(() => context.run([new Int32Array(ROWS * COLS)], [out]), 'ERR_BINDING_INVALID', /element type/);
    await expectKilnError(() => context.run([], [out]), 'ERR_BINDING_INVALID', /number of inputs/);
    await expectKilnError(() => context.run([x], [{} as Float32Array]), 'ERR_BINDING_INVALID');
    expect(() => context.runSync([x], [new Float32Array(1)])).toThrow(/outputs\[0\]/);
  });

  const malformed: Array<[string, (p: NativeProgram) => void, string, RegExp?]> = [
    ['layer input index out of range', (p) => { p.layers[0]!.inputs[1] = 9; }, 'ERR_PROGRAM_INVALID', /Tensor index out of range/],
    ['weights offset past the end', (p) => { p.tensors[1]!.offset = 64 * 100; }, 'ERR_PROGRAM_INVALID', /past the end/],
    ['arena offset past the end', (p) => { p.tensors[2]!.offset = 64; }, 'ERR_PROGRAM_INVALID', /past the end/],
    ['misaligned offset', (p) => { p.tensors[1]!.offset = 66; }, 'ERR_PROGRAM_INVALID', /Misaligned/],
    ['unknown kernel', (p) => { p.layers[0]!.kernel = 'f32_frobnicate'; }, 'ERR_PROGRAM_INVALID', /Unknown kernel/],
    ['unknown isa suffix', (p) => { p.layers[0]!.kernel = 'f32_softmax__sse9'; }, 'ERR_PROGRAM_INVALID', /ISA suffix/],
    ['unknown dtype', (p) => { (p.tensors[0] as { dtype: string }).dtype = 'float7'; }, 'ERR_PROGRAM_INVALID', /Unknown dtype/],
    ['wrong dtype for a kernel', (p) => { p.tensors[3]!.dtype = 'int32'; }, 'ERR_PROGRAM_INVALID', /Wrong dtype/],
    ['shape that does not broadcast', (p) => { p.tensors[1]!.shape = [COLS - 1]; }, 'ERR_PROGRAM_INVALID', /broadcast/],
    ['axis out of range', (p) => { p.layers[1]!.params = [5]; }, 'ERR_PROGRAM_INVALID', /Axis/],
    ['writes to weights', (p) => { p.layers[1]!.outputs = [1]; }, 'ERR_PROGRAM_INVALID', /read-only/],
    ['duplicate slot', (p) => { p.tensors[2] = { dtype: 'float32', shape: [ROWS, COLS], location: 'input', slot: 0 }; }, 'ERR_PROGRAM_INVALID', /same binding slot/],
    ['non-integer shape', (p) => { p.tensors[0]!.shape = [1.5]; }, 'ERR_PROGRAM_INVALID', /integer/],
    ['layers not an array', (p) => { (p as { layers: unknown }).layers = 3; }, 'ERR_PROGRAM_INVALID', /array/],
  ];
  it.each(malformed)('rejects a malformed program: %s', async (_, mutate, code, text) => {
    const p = structuredClone(program());
    mutate(p);
    await expectKilnError(() => createEngine(p, weights(bias)), code, text);
  });

  it('a context whose arena cannot be allocated is ERR_OUT_OF_MEMORY, not a crash', async () => {
    // 32 TiB passes the program checks (< 2^46) but no allocator here can give it.
    const engine = createEngine({ ...program(), arenaBytes: 2 ** 45 }, weights(bias));
    await expectKilnError(() => engine.createContext(), 'ERR_OUT_OF_MEMORY', /creating the execution context/);
    const out = new Float32Array(ROWS * COLS);
    createEngine(program(), weights(bias)).createContext().runSync([x], [out]);
    expectClose(out, reference(x, bias), 'after the failure', 1e-6, 1e-5);
  });

  it('copies unaligned weights and keeps working', async () => {
    const backing = new Uint8Array(4 + weights(bias).byteLength);
    backing.set(new Uint8Array(weights(bias).buffer), 4);
    const engine = createEngine(program(), backing.subarray(4));
    expect(engine.describe().weightsCopied).toBe(true);
    const out = new Float32Array(ROWS * COLS);
    await engine.createContext().run([x], [out]);
    expectClose(out, reference(x, bias), 'unaligned weights', 1e-6, 1e-5);
  });

  it('rejects a data-dependent kernel failure (Gather index) as a coded error', async () => {
    const engine = createEngine({
      arenaBytes: 0,
      tensors: [
        { dtype: 'float32', shape: [4, 2], location: 'input', slot: 0 },
        { dtype: 'int64', shape: [2], location: 'input', slot: 1 },
        { dtype: 'float32', shape: [2, 2], location: 'output', slot: 0 },
      ],
      layers: [{ kernel: 'x_gather', inputs: [0, 1], outputs: [2], params: [0] }],
    });
    const context = engine.createContext();
    const out = new Float32Array(4);
    await context.run([new Float32Array([0, 1, 2, 3, 4, 5, 6, 7]), new BigInt64Array([3n, -4n])], [out]);
    expect(Array.from(out)).toEqual([6, 7, 0, 1]);
    await expectKilnError(() => context.run([new Float32Array(8), new BigInt64Array([4n, 0n])], [out]), 'ERR_INDEX_OUT_OF_RANGE');
    expect(context.busy).toBe(false);
    // The rejection's stack names the code that awaited the run (V8's async frames).
    async function gatherWithBadIndex() {
      await context.run([new Float32Array(8), new BigInt64Array([0n, 9n])], [out]);
    }
    const error = await gatherWithBadIndex().catch((caught: unknown) => caught);
    expect(KilnError.isInstance(error, 'ERR_INDEX_OUT_OF_RANGE')).toBe(true);
    expect((error as Error).stack).toMatch(/gatherWithBadIndex/);
  });
});
