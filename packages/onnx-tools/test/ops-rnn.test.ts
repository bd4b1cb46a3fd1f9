// GRU and LSTM in the reference evaluator against onnxruntime-node on random weights, where every
// hidden unit differs (the ONNX node tests use uniform weights, under which per-unit mistakes,
// such as gating the wrong unit's state, cancel out).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, type Tensor, evaluate, save } from '../src/index.js';
import { compareTensors } from '../src/internal/evaluate/compare.js';

function randomFloats(n: number, seed: number): number[] {
  let state = seed;
  return Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 1073741824 - 1;
  });
}

function recurrent(op: 'GRU' | 'LSTM', attributes: Record<string, number | string>) {
  const [seq, batch, input, hidden] = [4, 2, 3, 5];
  const gates = op === 'GRU' ? 3 : 4;
  const directions = attributes.direction === 'bidirectional' ? 2 : 1;
  const g = new GraphBuilder(`${op}_random`);
  const x = g.input('x', 'float32', [seq, batch, input]);
  const w = g.floats(randomFloats(directions * gates * hidden * input, 1), [directions, gates * hidden, input], 'w');
  const r = g.floats(randomFloats(directions * gates * hidden * hidden, 2), [directions, gates * hidden, hidden], 'r');
  const b = g.floats(randomFloats(directions * 2 * gates * hidden, 3), [directions, 2 * gates * hidden], 'b');
  const [y] = g.layerOutputs(op, [x, w, r, b], 1, { hidden_size: hidden, ...attributes });
  g.output(y!, 'float32', [seq, directions, batch, hidden]);
  const feed: Tensor = { type: 'float32', dims: [seq, batch, input], data: Float32Array.from(randomFloats(seq * batch * input, 4)) };
  return { model: g.toModel({ opset: 17 }), feed };
}

describe('recurrent ops agree with onnxruntime-node on random weights', () => {
  const require = createRequire(import.meta.url);
  let ort: typeof import('onnxruntime-node') | undefined;
  try {
    ort = require('onnxruntime-node');
  } catch {
    ort = undefined; // a root dev dependency; skip where it is absent
  }
  it.skipIf(!ort).each([
    ['GRU', {}],
    ['GRU', { linear_before_reset: 1 }],
    ['GRU', { direction: 'bidirectional' }],
    ['LSTM', {}],
    ['LSTM', { direction: 'reverse' }],
  ] as const)('%s %j', async (op, attributes) => {
    const { model, feed } = recurrent(op, attributes);
    const session = await ort!.InferenceSession.create(save(model));
    const result = await session.run({ x: new ort!.Tensor('float32', feed.data as Float32Array, [...feed.dims]) });
    const expected = result[session.outputNames[0]!] as unknown as Tensor;
    const ours = Object.values(await evaluate(model, { x: feed }))[0];
    expect(compareTensors(ours, { type: 'float32', dims: expected.dims, data: expected.data } as Tensor, op, 1e-5, 1e-6)).toBeUndefined();
  });
});
