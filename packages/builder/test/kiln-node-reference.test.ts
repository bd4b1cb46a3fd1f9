import { GraphBuilder, type Model, type Tensor, evaluate, inferShapes, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../src/index.js';
import { referenceModel } from '../src/internal/lower/reference.js';
import { PassContext } from '../src/internal/pass.js';
import { runPipeline } from '../src/pipeline.js';
import { randomFloat } from './helpers.js';

/**
 * A Kiln node (FusedConv, FusedGemm, MatMul, Softmax, LayerNorm, Gelu) whose native lowering does
 * not apply runs as a reference layer, written back as standard ONNX nodes. Each model here is
 * optimized by the builder's passes; every node of the result then runs as its reference layer's
 * model would, one after the other, and must give what the original model gives on onnx-tools'
 * reference evaluator.
 */
async function optimized(model: Model): Promise<Model> {
  const copy = await load(save(model));
  inferShapes(copy);
  const context = new PassContext(copy, { verify: true, foldSizeThreshold: 1 << 26, optimizationLevel: 3 });
  await runPipeline(context);
  return context.model;
}

async function runAsReferenceLayers(model: Model, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const values = new Map<string, Tensor>(Object.entries(feeds));
  for (const node of model.graph.nodes) {
    const layer = await load(referenceModel(node, model.opsetImports));
    const inputs = Object.fromEntries(layer.graph.inputs.map((input) => [input.name, values.get(input.name)!]));
    for (const [name, tensor] of Object.entries(await evaluate(layer, inputs))) values.set(name, tensor);
  }
  return Object.fromEntries(model.graph.outputs.map((output) => [output.name, values.get(output.name)!]));
}

async function expectSameAsOriginal(model: Model, feeds: Record<string, Tensor>, kilnOps: string[]): Promise<void> {
  const fused = await optimized(model);
  expect(fused.graph.nodes.filter((node) => node.domain === 'kiln').map((node) => node.op).sort()).toEqual([...kilnOps].sort());
  const expected = await evaluate(model, feeds);
  const actual = await runAsReferenceLayers(fused, feeds);
  for (const [name, tensor] of Object.entries(expected)) {
    const got = actual[name]!;
    expect(got.dims).toEqual(tensor.dims);
    const want = tensor.data as Float32Array;
    const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
    Array.from(got.data as Float32Array).forEach((value, i) => expect(Math.abs(value - want[i]!)).toBeLessThanOrEqual(2e-5 * scale));
  }
}

describe('Kiln nodes on the reference evaluator', () => {
  it('FusedConv with bias, residual and each activation', async () => {
    const g = new GraphBuilder('conv');
    const x = g.input('x', 'float32', [1, 4, 9, 9]);
    const conv = (input: typeof x, seed: number) => g.layer('Conv', [input, g.constant(randomFloat([4, 4, 3, 3], seed, 0.4)), g.constant(randomFloat([4], seed + 1))], { pads: [1, 1, 1, 1] });
    let y = g.layer('Sigmoid', [g.layer('Add', [conv(x, 1), x])]);
    y = g.layer('LeakyRelu', [conv(y, 3)], { alpha: 0.2 });
    y = g.layer('HardSwish', [conv(y, 5)]);
    y = g.layer('Clip', [conv(y, 7), g.floats([-0.5], []), g.floats([0.75], [])]);
    const z = conv(y, 9);
    g.output(g.layer('Mul', [z, g.layer('Sigmoid', [z])]));
    await expectSameAsOriginal(g.toModel({ opset: 17 }), { x: randomFloat([1, 4, 9, 9], 11) }, ['FusedConv', 'FusedConv', 'FusedConv', 'FusedConv', 'FusedConv']);
  });

  it('FusedGemm: transposed weights, bias, GELU, and Q/K/V projections fused into one', async () => {
    const g = new GraphBuilder('gemm');
    const x = g.input('x', 'float32', [2, 3, 16]);
    const projection = (seed: number) => g.layer('Add', [g.layer('MatMul', [x, g.constant(randomFloat([16, 8], seed, 0.3))]), g.constant(randomFloat([8], seed + 1))]);
    const [q, k, v] = [projection(1), projection(3), projection(5)];
    const gelu = (value: typeof x) => g.layer('Mul', [g.layer('Mul', [value, g.floats([0.5], [])]), g.layer('Add', [g.layer('Erf', [g.layer('Div', [value, g.floats([Math.SQRT2], [])])]), g.floats([1], [])])]);
    g.output(gelu(g.layer('Sub', [g.layer('Mul', [q, k]), v])));
    g.output(gelu(projection(11)));
    const flat = g.input('flat', 'float32', [3, 16]);
    g.output(g.layer('Tanh', [g.layer('Gemm', [flat, g.constant(randomFloat([5, 16], 7, 0.3)), g.constant(randomFloat([5], 8))], { transB: 1 })]));
    const feeds = { x: randomFloat([2, 3, 16], 9), flat: randomFloat([3, 16], 10) };
    await expectSameAsOriginal(g.toModel({ opset: 17 }), feeds, ['FusedGemm', 'FusedGemm', 'FusedGemm', 'Gelu']);
  });

  it('scaled MatMul, masked Softmax with NaN rows to zero, LayerNorm and GELU', async () => {
    const g = new GraphBuilder('attention');
    const q = g.input('q', 'float32', [1, 2, 5, 8]);
    const k = g.input('k', 'float32', [1, 2, 8, 5]);
    const mask = g.input('mask', 'float32', [1, 1, 5, 5]);
    const scores = g.layer('MatMul', [g.layer('Mul', [q, g.floats([0.5], [])]), g.layer('Mul', [k, g.floats([0.7], [])])]);
    const softmax = g.layer('Softmax', [g.layer('Add', [scores, mask])], { axis: -1 });
    g.output(g.layer('Where', [g.layer('IsNaN', [softmax]), g.floats([0], []), softmax]));
    const h = g.input('h', 'float32', [2, 3, 8]);
    const mean = g.layer('ReduceMean', [h], { axes: [-1] });
    const d = g.layer('Sub', [h, mean]);
    const variance = g.layer('ReduceMean', [g.layer('Pow', [d, g.floats([2], [])])], { axes: [-1] });
    const normalized = g.layer('Div', [d, g.layer('Sqrt', [g.layer('Add', [variance, g.floats([1e-5], [])])])]);
    const ln = g.layer('Add', [g.layer('Mul', [normalized, g.constant(randomFloat([8], 1))]), g.constant(randomFloat([8], 2))]);
    g.output(g.layer('Mul', [g.layer('Mul', [ln, g.floats([0.5], [])]), g.layer('Add', [g.layer('Erf', [g.layer('Div', [ln, g.floats([Math.SQRT2], [])])]), g.floats([1], [])])]));
    const maskValues = randomFloat([1, 1, 5, 5], 3);
    maskValues.data.fill(Number.NEGATIVE_INFINITY, 5, 10);  // one row all -inf: NaN, then 0
    const feeds = { q: randomFloat([1, 2, 5, 8], 4), k: randomFloat([1, 2, 8, 5], 5), mask: maskValues, h: randomFloat([2, 3, 8], 6) };
    await expectSameAsOriginal(g.toModel({ opset: 13 }), feeds, ['MatMul', 'Softmax', 'LayerNorm', 'Gelu']);
  });

  it('an engine runs a fused convolution no native kernel takes (Conv3d + residual + ReLU)', async () => {
    const g = new GraphBuilder('conv3d');
    const x = g.input('x', 'float32', [1, 3, 5, 6, 6]);
    const conv = g.layer('Conv', [x, g.constant(randomFloat([3, 3, 3, 3, 3], 1, 0.3)), g.constant(randomFloat([3], 2))], { pads: [1, 1, 1, 1, 1, 1] });
    g.output(g.layer('Relu', [g.layer('Add', [conv, x])]));
    const model = g.toModel({ opset: 17 });
    const feeds = { x: randomFloat([1, 3, 5, 6, 6], 3) };
    const engine = new Runtime().deserializeEngine(await buildEngine(save(model)));
    const got = Object.values(await engine.createExecutionContext().run(feeds))[0]!;
    const want = Object.values(await evaluate(model, feeds))[0]!;
    expect(got.dims).toEqual(want.dims);
    Array.from(got.data as Float32Array).forEach((value, i) => expect(value).toBeCloseTo((want.data as Float32Array)[i]!, 5));
  });
});
