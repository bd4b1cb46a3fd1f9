import { GraphBuilder, type Tensor, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildEngine, buildSerializedNetwork } from '../src/index.js';
import { closeTo, randomFloat } from './helpers.js';

/** A squeezenet-style fire module: conv → max pool → squeeze → two expands → concat → pools. */
function fireNetwork(): NetworkDefinition {
  const network = new NetworkDefinition();
  const x = network.addInput('image', 'float32', ['N', 3, 17, 17]);
  const stem = network.addActivation(network.addConvolution(x, { weights: randomFloat([24, 3, 3, 3], 21, 0.5), pads: [1, 1, 1, 1] }), 'Relu');
  const pooled = network.addPooling(stem, { type: 'max', kernel: [3, 3], strides: [2, 2] });
  const squeeze = network.addActivation(network.addConvolution(pooled, { weights: randomFloat([8, 24, 1, 1], 22, 0.5) }), 'Relu');
  const left = network.addActivation(network.addConvolution(squeeze, { weights: randomFloat([20, 8, 1, 1], 23, 0.5) }), 'Relu');
  const right = network.addActivation(network.addConvolution(squeeze, { weights: randomFloat([20, 8, 3, 3], 24, 0.3), pads: [1, 1, 1, 1] }), 'Relu');
  const fire = network.addConcatenation([left, right], 1);
  const averaged = network.addPooling(fire, { type: 'average', kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], countIncludePad: true });
  network.markOutput(network.addPooling(averaged, { type: 'globalAverage' }), 'features');
  return network;
}

describe('layout sinking', () => {
  it('keeps conv → pool → concat → pool chains in NHWC and matches the reference evaluator', async () => {
    const network = fireNetwork();
    const config = new BuilderConfig();
    config.verifyPasses = true;
    config.addOptimizationProfile({ image: { min: [1, 3, 17, 17], opt: [2, 3, 17, 17], max: [3, 3, 17, 17] } });
    const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, config));
    const layers = engine.inspect().layers;
    // One reformat back to NCHW at the output and none in between. Whether the stem reads the NCHW
    // input itself (f32_conv_nchw) or through an input reformat is a timed choice, so either is right.
    const reformats = layers.filter((layer) => layer.type === 'Reformat');
    const readsImage = (layer: (typeof layers)[number]) => layer.inputs.some((input) => input.name === 'image');
    expect(reformats.filter((layer) => !readsImage(layer))).toHaveLength(1);
    const stem = layers.find((layer) => layer.type === 'Convolution')!;
    expect(reformats.filter(readsImage)).toHaveLength(stem.tactic.startsWith('f32_conv_nchw_') ? 0 : 1);
    expect(layers.filter((layer) => layer.type === 'Pooling').every((layer) => layer.tactic.includes('_nhwc__'))).toBe(true);
    const concat = layers.find((layer) => layer.type === 'Concatenation')!;
    expect(concat.outputs[0]!.dims).toEqual(['N', 8, 8, 40]);
    const context = engine.createExecutionContext();
    for (const batch of [1, 3]) {
      const feeds: Record<string, Tensor> = { image: randomFloat([batch, 3, 17, 17], 200 + batch) };
      const [mine, theirs] = [await context.run(feeds), await evaluate(await load(save(network.model)), feeds)];
      const result = closeTo(mine.features!, theirs.features!, 1e-5, 1e-4);
      expect(result.ok, result.message).toBe(true);
    }
  });

  it('keeps elementwise layers between convolutions in NHWC: gates, constants of every broadcast shape', async () => {
    const g = new GraphBuilder('gates');
    const x = g.input('x', 'float32', ['N', 6, 9, 7]);
    const conv = (input: typeof x, cin: number, cout: number, seed: number) =>
      g.layer('Conv', [input, g.constant(randomFloat([cout, cin, 1, 1], seed, 0.5)), g.constant(randomFloat([cout], seed + 1))]);
    let y = g.layer('Relu', [conv(x, 6, 8, 1)]);
    // Squeeze-and-excitation: the gate is per channel ([N, 8, 1, 1]).
    const gate = g.layer('Sigmoid', [conv(g.layer('Relu', [conv(g.layer('GlobalAveragePool', [y]), 8, 4, 3)]), 4, 8, 5)]);
    y = g.layer('Mul', [y, gate]);
    // Constants broadcast as [C, 1, 1], [1, C, 1, 1], [W], [H, W], one value; a standalone unary.
    y = g.layer('Mul', [conv(y, 8, 8, 7), g.constant(randomFloat([8, 1, 1], 9))]);
    y = g.layer('Sub', [g.constant(randomFloat([1, 8, 1, 1], 10)), y]);
    y = g.layer('Add', [y, g.constant(randomFloat([7], 11))]);
    y = g.layer('Div', [y, g.layer('Add', [g.constant(randomFloat([9, 7], 12, 0.5)), g.floats([2], [])])]);
    y = g.layer('Tanh', [g.layer('Max', [y, g.floats([-0.25], [])])]);
    // Two NHWC tensors.
    y = g.layer('Mul', [conv(y, 8, 8, 13), conv(y, 8, 8, 15)]);
    g.output(conv(y, 8, 3, 17));
    const model = g.toModel({ opset: 17 });
    const engine = new Runtime().deserializeEngine(await buildEngine(save(model), { minShapes: { x: [1, 6, 9, 7] }, optShapes: { x: [2, 6, 9, 7] }, maxShapes: { x: [2, 6, 9, 7] } }));
    const layers = engine.inspect().layers;
    const elementwise = layers.filter((layer) => layer.type === 'ElementWise' || layer.type === 'Activation');
    expect(elementwise.length).toBeGreaterThanOrEqual(6);
    // Every elementwise layer works on NHWC tensors ([N, H, W, C], or [N, 1, 1, C] for the gate).
    for (const layer of elementwise) expect([7, 1]).toContain(layer.outputs[0]!.dims[2]);
    // Full-size reformats: the input and the output only (per-channel ones move C values).
    const big = layers.filter((layer) => layer.type === 'Reformat' && layer.outputs[0]!.dims.slice(1).reduce<number>((a, b) => a * Number(b), 1) > 8);
    expect(big).toHaveLength(2);
    for (const batch of [1, 2]) {
      const feeds: Record<string, Tensor> = { x: randomFloat([batch, 6, 9, 7], 300 + batch) };
      const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
      const name = engine.outputs[0]!.name;
      const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
      expect(result.ok, result.message).toBe(true);
    }
  });

  it('reduces in NHWC between convolutions: ReduceMean gates, channel pooling, a pooled head without keepdims', async () => {
    const g = new GraphBuilder('reduces');
    const x = g.input('x', 'float32', ['N', 6, 9, 7]);
    const conv = (input: typeof x, cin: number, cout: number, seed: number) =>
      g.layer('Conv', [input, g.constant(randomFloat([cout, cin, 1, 1], seed, 0.5)), g.constant(randomFloat([cout], seed + 1))]);
    let y = g.layer('Relu', [conv(x, 6, 8, 1)]);
    // Squeeze-and-excitation as PyTorch writes x.mean((2, 3), keepdim=True).
    const pooled = g.layer('ReduceMean', [y], { axes: [2, 3], keepdims: 1 });
    y = g.layer('Mul', [y, g.layer('Sigmoid', [conv(g.layer('Relu', [conv(pooled, 8, 4, 3)]), 4, 8, 5)])]);
    // Channel pooling (CBAM's spatial attention input): max and sum over C, kept as [N, 1, H, W].
    const spatial = g.layer('Concat', [g.layer('ReduceMax', [y], { axes: [1], keepdims: 1 }), g.layer('ReduceSum', [y, g.ints([1])], { keepdims: 1 })], { axis: 1 });
    y = g.layer('Mul', [y, g.layer('Sigmoid', [conv(spatial, 2, 1, 7)])]);
    y = g.layer('Add', [conv(y, 8, 8, 9), g.layer('GlobalMaxPool', [y])]);
    // The head: a mean over H and W without keepdims ([N, C]), then a Gemm.
    const head = g.layer('ReduceMean', [y], { axes: [-1, -2], keepdims: 0 });
    g.output(g.layer('Gemm', [head, g.constant(randomFloat([8, 5], 11, 0.5))]));
    const model = g.toModel({ opset: 17 });
    const engine = new Runtime().deserializeEngine(await buildEngine(save(model), { minShapes: { x: [1, 6, 9, 7] }, optShapes: { x: [2, 6, 9, 7] }, maxShapes: { x: [2, 6, 9, 7] } }));
    const layers = engine.inspect().layers;
    const reduces = layers.filter((layer) => layer.type === 'Reduce');
    expect(reduces).toHaveLength(5);
    for (const reduce of reduces) expect(reduce.inputs[0]!.dims).toEqual(['N', 9, 7, 8]);
    // The one full-size reformat is the input's: every NCHW tensor left holds one value per pixel or per channel.
    const big = layers.filter((layer) => layer.type === 'Reformat' && layer.outputs[0]!.dims.slice(1).reduce<number>((a, b) => a * Number(b), 1) > 63);
    expect(big.map((layer) => layer.inputs[0]!.name)).toEqual(['x']);
    for (const batch of [1, 2]) {
      const feeds: Record<string, Tensor> = { x: randomFloat([batch, 6, 9, 7], 400 + batch) };
      const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
      const name = engine.outputs[0]!.name;
      const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
      expect(result.ok, result.message).toBe(true);
    }
  });

  it("cancels the model's own Transposes against the convolutions' Reformats (ConvNeXt's channels-last MLP)", async () => {
    const g = new GraphBuilder('convnext');
    const x = g.input('x', 'float32', [1, 8, 6, 5]);
    let y = g.layer('Conv', [x, g.constant(randomFloat([8, 8, 1, 1], 1, 0.5))]);
    for (let block = 0; block < 2; block++) {
      const dw = g.layer('Conv', [y, g.constant(randomFloat([8, 1, 3, 3], 10 + block, 0.5))], { group: 8, pads: [1, 1, 1, 1] });
      let t = g.layer('Transpose', [dw], { perm: [0, 2, 3, 1] });
      t = g.layer('LayerNormalization', [t, g.constant(randomFloat([8], 20 + block)), g.constant(randomFloat([8], 30 + block))], { axis: -1 });
      t = g.layer('MatMul', [g.layer('Relu', [g.layer('MatMul', [t, g.constant(randomFloat([8, 16], 40 + block, 0.5))])]), g.constant(randomFloat([16, 8], 50 + block, 0.5))]);
      y = g.layer('Add', [y, g.layer('Transpose', [t], { perm: [0, 3, 1, 2] })]);
    }
    g.output(g.layer('Conv', [y, g.constant(randomFloat([4, 8, 1, 1], 2, 0.5))]));
    const model = g.toModel({ opset: 17 });
    const engine = new Runtime().deserializeEngine(await buildEngine(save(model)));
    const layers = engine.inspect().layers;
    // Transposes left: at most the input's and the output's.
    expect(layers.filter((layer) => layer.tactic.startsWith('x_transpose')).length).toBeLessThanOrEqual(2);
    const feeds = { x: randomFloat([1, 8, 6, 5], 3) };
    const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
    const name = engine.outputs[0]!.name;
    const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
    expect(result.ok, result.message).toBe(true);
  });

  it("runs DenseNet's pre-activation BatchNormalization after a Concat in NHWC, its ReLU fused into the Add", async () => {
    const g = new GraphBuilder('dense');
    const x = g.input('x', 'float32', [1, 6, 7, 5]);
    const c = (values: Tensor<'float32'>) => g.constant(values);
    let features = g.layer('Relu', [g.layer('Conv', [x, c(randomFloat([8, 6, 3, 3], 1, 0.4))], { pads: [1, 1, 1, 1] })]);
    for (let layer = 0; layer < 2; layer++) {
      const width = 8 + 4 * layer;
      const bn = g.layer('BatchNormalization', [features, c(randomFloat([width], 10 + layer)), c(randomFloat([width], 20 + layer)), c(randomFloat([width], 30 + layer)), g.constant({ type: 'float32', dims: [width], data: Float32Array.from({ length: width }, (_, i) => 0.5 + i / width) })], { epsilon: 1e-3 });
      const grown = g.layer('Conv', [g.layer('Relu', [bn]), c(randomFloat([4, width, 3, 3], 40 + layer, 0.4))], { pads: [1, 1, 1, 1] });
      features = g.layer('Concat', [features, grown], { axis: 1 });
    }
    g.output(g.layer('Conv', [features, c(randomFloat([3, 16, 1, 1], 2, 0.4))]));
    const model = g.toModel({ opset: 17 });
    const engine = new Runtime().deserializeEngine(await buildEngine(save(model)));
    const layers = engine.inspect().layers;
    expect(layers.filter((layer) => layer.tactic.startsWith('f32_batchnorm'))).toHaveLength(0);
    const adds = layers.filter((layer) => layer.tactic.startsWith('f32_vbinary_add'));
    expect(adds).toHaveLength(2);
    for (const add of adds) expect(add.sources.some((source) => source.startsWith('relu'))).toBe(true);
    expect(layers.filter((layer) => layer.tactic.startsWith('x_transpose')).length).toBeLessThanOrEqual(2);
    const feeds = { x: randomFloat([1, 6, 7, 5], 3) };
    const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
    const name = engine.outputs[0]!.name;
    const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
    expect(result.ok, result.message).toBe(true);
  });

  it('resizes in NHWC between convolutions (nearest and linear upsampling, then a skip Concat)', async () => {
    for (const [mode, coordinate] of [['nearest', 'asymmetric'], ['linear', 'half_pixel'], ['linear', 'align_corners']] as const) {
      const g = new GraphBuilder('upsample');
      const x = g.input('x', 'float32', [1, 5, 8, 6]);
      const conv = (input: typeof x, cin: number, cout: number, seed: number, stride = 1) =>
        g.layer('Relu', [g.layer('Conv', [input, g.constant(randomFloat([cout, cin, 3, 3], seed, 0.4))], { pads: [1, 1, 1, 1], strides: [stride, stride] })]);
      const skip = conv(x, 5, 8, 1);
      const down = conv(skip, 8, 8, 2, 2);
      const up = g.layer('Resize', [down, undefined, g.floats([1, 1, 2, 2])], { mode, coordinate_transformation_mode: coordinate });
      g.output(conv(g.layer('Concat', [skip, up], { axis: 1 }), 16, 4, 3));
      const model = g.toModel({ opset: 17 });
      const engine = new Runtime().deserializeEngine(await buildEngine(save(model)));
      const layers = engine.inspect().layers;
      const resize = layers.find((layer) => layer.type === 'Resize')!;
      expect(resize.inputs[0]!.dims).toEqual([1, 4, 3, 8]);
      expect(resize.outputs[0]!.dims).toEqual([1, 8, 6, 8]);
      // NHWC from the first convolution to the last: reformats only at the input and the output.
      expect(layers.filter((layer) => layer.type === 'Reformat').length).toBeLessThanOrEqual(2);
      const feeds = { x: randomFloat([1, 5, 8, 6], 4) };
      const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
      const name = engine.outputs[0]!.name;
      const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
      expect(result.ok, `${mode} ${coordinate}: ${result.message}`).toBe(true);
    }
  });
});
