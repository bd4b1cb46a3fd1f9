import { MinMaxCalibrator } from '@kiln/calib';
import { GraphBuilder, type Model, evaluate, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../src/index.js';
import { closeTo, cosine, randomFloat, runsVector } from './helpers.js';

/**
 * 1-D convolutions and pools run as 2-D ones over a height of 1 (lift-1d): native kernels, the
 * reference evaluator's results.
 */
function conv1dNetwork(opset: number): Model {
  const g = new GraphBuilder('conv1d');
  const x = g.input('x', 'float32', [2, 6, 40]);
  const c = (values: number[]) => g.floats(values);
  // Conv + BatchNormalization + ReLU.
  let y = g.layer('Conv', [x, g.constant(randomFloat([8, 6, 5], 1, 0.3)), g.constant(randomFloat([8], 2))], { pads: [2, 2] });
  y = g.layer('Relu', [g.layer('BatchNormalization', [y, c([1, 2, 1, 2, 1, 2, 1, 2]), c([0, 0, 1, 1, 0, 0, 1, 1]), c(new Array(8).fill(0.1)), c(new Array(8).fill(2))])]);
  // A reader that is not a convolution: y stays 3-D for it.
  g.output(g.layer('Tanh', [y]));
  // Residual (same length), then a strided, dilated conv with asymmetric pads, then depthwise.
  y = g.layer('Relu', [g.layer('Add', [g.layer('Conv', [y, g.constant(randomFloat([8, 8, 3], 3, 0.3))], { pads: [1, 1] }), y])]);
  y = g.layer('Conv', [y, g.constant(randomFloat([12, 8, 3], 4, 0.3)), g.constant(randomFloat([12], 5))], { strides: [2], dilations: [2], pads: [1, 3] });
  y = g.layer('Sigmoid', [g.layer('Conv', [y, g.constant(randomFloat([12, 1, 3], 6, 0.5))], { group: 12, pads: [1, 1] })]);
  y = g.layer('MaxPool', [y], { kernel_shape: [3], strides: [2], pads: [1, 1] });
  y = g.layer('AveragePool', [g.layer('Conv', [y, g.constant(randomFloat([12, 12, 1], 8, 0.3))])], { kernel_shape: [2], strides: [2] });
  g.output(y);
  g.output(g.layer('GlobalAveragePool', [y]));
  return g.toModel({ opset });
}

describe('1-D convolutions and pools', () => {
  for (const opset of [11, 17]) {
    it(`runs on native convolution and pooling kernels and matches the reference evaluator (opset ${opset})`, async () => {
      const model = conv1dNetwork(opset);
      const log: string[] = [];
      const engine = new Runtime().deserializeEngine(await buildEngine(save(model), { log: (line) => log.push(line) }));
      const layers = engine.inspect().layers;
      expect(layers.filter((layer) => layer.tactic === 'reference')).toEqual([]);
      expect(layers.filter((layer) => layer.type === 'Convolution').length).toBe(5);
      expect(log.filter((line) => line.startsWith('1-D as 2-D')).length).toBe(8);
      // Between the lifted layers the tensors stay NHWC: one reformat in, one per 3-D reader out.
      expect(layers.filter((layer) => layer.type === 'Reformat').length).toBeLessThanOrEqual(4);
      const feeds = { x: randomFloat([2, 6, 40], 7) };
      const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
      for (const name of Object.keys(theirs)) {
        expect(mine[name]!.dims).toEqual(theirs[name]!.dims);
        const result = closeTo(mine[name]!, theirs[name]!, 1e-5, 1e-4);
        expect(result.ok, `${name}: ${result.message}`).toBe(true);
      }
    });
  }

  it('int8: the lifted convolutions find their calibration scales under the 1-D tensor names', async () => {
    const model = conv1dNetwork(17);
    const loader = [1, 2, 3, 4].map((seed) => ({ x: randomFloat([2, 6, 40], 40 + seed) }));
    const plan = await buildEngine(save(model), { int8: true, builderOptimizationLevel: 0, calibrator: { calibrator: new MinMaxCalibrator(), loader } });
    const engine = new Runtime().deserializeEngine(plan);
    const int8 = engine.inspect().layers.filter((layer) => /^qu8_(conv|dwconv)/.test(layer.tactic));
    // Level 0 takes the narrowest precision each conv has a scale for: the four convs where a
    // vector qu8_conv runs, the depthwise one where a vector qu8_dwconv does.
    expect(int8.length).toBe((runsVector('qu8_conv') ? 4 : 0) + (runsVector('qu8_dwconv') ? 1 : 0));
    const feeds = { x: randomFloat([2, 6, 40], 7) };
    const [mine, theirs] = [await engine.createExecutionContext().run(feeds), await evaluate(model, feeds)];
    for (const name of Object.keys(theirs)) expect(cosine(mine[name]!.data as Float32Array, theirs[name]!.data as Float32Array)).toBeGreaterThan(0.99);
  });
});
