import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { Constant, GraphBuilder, type Tensor, evaluate, formatInspection, inspect, load, save } from '../src/index.js';
import { compareTensors } from '../src/internal/evaluate/compare.js';

function randomFloats(n: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  });
}

function buildNet() {
  const g = new GraphBuilder('tiny_cnn');
  const x = g.input('x', 'float32', ['N', 3, 8, 8]);
  const w = g.floats(Array.from(randomFloats(4 * 3 * 3 * 3, 1)), [4, 3, 3, 3], 'conv_w');
  const b = g.floats([0.1, -0.2, 0.3, 0], [4], 'conv_b');
  const y = g.relu(g.conv(x, w, b, { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }));
  const pooled = g.flatten(g.globalAveragePool(y));
  const fc = g.gemm(pooled, g.floats(Array.from(randomFloats(5 * 4, 2)), [5, 4], 'fc_w'), g.floats([0, 0, 0, 0, 1], [5], 'fc_b'), { transB: 1 });
  g.output(g.softmax(fc, 1), 'float32', ['N', 5]);
  return g.toModel({ opset: 17 });
}

const input: Tensor = { type: 'float32', dims: [2, 3, 8, 8], data: randomFloats(2 * 3 * 64, 3) };

describe('GraphBuilder', () => {
  it('emits a model that round-trips through save/load', async () => {
    const model = buildNet();
    const bytes = save(model);
    const again = await load(bytes);
    expect(save(again)).toEqual(bytes);
    expect(again.graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Softmax']);
    expect(again.graph.inputs[0]?.shape).toEqual(['N', 3, 8, 8]);
    expect(again.graph.nodes[0]?.attributes.get('pads')).toEqual({ type: 'ints', value: [1, 1, 1, 1] });
    expect((again.graph.initializers[0] as Constant).isLazy).toBe(true);
  });

  it('is accepted by onnxruntime-node, and the reference evaluator agrees with it', async () => {
    const require = createRequire(import.meta.url);
    let ort: typeof import('onnxruntime-node');
    try {
      ort = require('onnxruntime-node');
    } catch {
      return; // onnxruntime-node is a root dev dependency; skip where it is absent
    }
    const session = await ort.InferenceSession.create(save(buildNet()));
    const feeds = { x: new ort.Tensor('float32', input.data as Float32Array, [...input.dims]) };
    const result = await session.run(feeds);
    const expected = result[session.outputNames[0] as string] as unknown as Tensor;
    const ours = await evaluate(buildNet(), { x: input });
    const actual = Object.values(ours)[0];
    expect(compareTensors(actual, { type: 'float32', dims: expected.dims, data: expected.data } as Tensor, 'softmax', 1e-4, 1e-6)).toBeUndefined();
  });

  it('inspect() summarizes without decoding weights', () => {
    const model = buildNet();
    const info = inspect(model);
    expect(info.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 3, 8, 8] }]);
    expect(info.ops).toMatchObject({ Conv: 1, Gemm: 1, Relu: 1 });
    expect(info.parameters).toEqual({ initializers: 4, elements: 108 + 4 + 20 + 5, bytes: 4 * 137 });
    expect(info.opsets).toEqual({ 'ai.onnx': 17 });
    expect(formatInspection(info)).toContain('x: float32 [N, 3, 8, 8]');
  });

  it('cleanup() drops dead nodes and unused initializers; toposort() orders nodes', () => {
    const g = new GraphBuilder('dead');
    const x = g.input('x', 'float32', [4]);
    const live = g.relu(x);
    g.sigmoid(g.add(x, g.floats([1, 2, 3, 4]))); // dead branch
    g.output(live);
    const model = g.toModel();
    model.graph.nodes.reverse();
    model.graph.toposort();
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Add', 'Relu', 'Sigmoid']);
    model.graph.cleanup();
    expect(model.graph.nodes.map((n) => n.op)).toEqual(['Relu']);
    expect(model.graph.initializers).toEqual([]);
    expect(x.consumers.map((n) => n.op)).toEqual(['Relu']);
    expect(live.producer?.op).toBe('Relu');
  });
});
