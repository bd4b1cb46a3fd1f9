#!/usr/bin/env node
// Minimal reproductions of the problems check.mjs found on the zoo, each a tiny GraphBuilder
// model built and run through Kiln's public API at one thread:
//
//   node tools/bench/zoo/repros.mjs
//
// 1. An elementwise Mul between two convolutions (squeeze-and-excitation's gate, or any unfused
//    binary op) runs in NCHW: a full NHWC→NCHW and NCHW→NHWC transpose around it.
// 2. A Sigmoid or Tanh fused into a convolution with fewer than 16 output channels: the conv
//    layer costs several times the same conv without it (fastest of 40 profiled runs).
import { buildEngine } from '@kiln/builder';
import { GraphBuilder, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { profileLayers } from '../measure.mjs';

const weights = (g, dims) => g.constant({ type: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.cos(i * 0.7) * 0.3) });
const zeros = (shape) => ({ type: 'float32', dims: shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)) });

/** One-input model from `make(g, x)`, built at `shape`, as an engine. */
async function engineOf(shape, make) {
  const g = new GraphBuilder('repro');
  g.output(make(g, g.input('x', 'float32', shape)));
  return new Runtime({ threads: 1 }).deserializeEngine(await buildEngine(save(g.toModel({ opset: 17 })), { shapes: { x: shape }, threads: 1 }));
}

console.log('1. Mul between two 1x1 convs, x [1,32,56,56]:');
const pointwise = (g, x, cin, cout) => g.conv(x, weights(g, [cout, cin, 1, 1]), undefined, { kernel_shape: [1, 1] });
const gates = {
  'Mul(y, Sigmoid(GlobalAveragePool(y)))': (g, y) => g.mul(y, g.sigmoid(g.globalAveragePool(y))),
  'Mul(y, constant [1,64,1,1])': (g, y) => g.mul(y, weights(g, [1, 64, 1, 1])),
  'Mul(y, y)': (g, y) => g.mul(y, y),
  'Add(y, constant [1,64,1,1]) (folded, for contrast)': (g, y) => g.add(y, weights(g, [1, 64, 1, 1])),
};
for (const [label, gate] of Object.entries(gates)) {
  const engine = await engineOf([1, 32, 56, 56], (g, x) => pointwise(g, gate(g, pointwise(g, x, 32, 64)), 64, 32));
  console.log(`   ${label}: ${engine.inspect().layers.map((layer) => `${layer.tactic.replace(/__.*/, '')}[${layer.outputs[0].dims}]`).join(' → ')}`);
}

console.log('2. Conv 1x1 16→Cout over [1,16,128,128], conv layer ms with each fused activation:');
for (const cout of [1, 4, 16]) {
  const cells = [];
  for (const activation of ['none', 'Relu', 'Sigmoid', 'Tanh']) {
    const engine = await engineOf([1, 16, 128, 128], (g, x) => {
      const y = g.conv(x, weights(g, [cout, 16, 1, 1]), weights(g, [cout]), { kernel_shape: [1, 1] });
      return activation === 'none' ? y : g.layer(activation, [y]);
    });
    const [{ fastest }] = await profileLayers([engine.createExecutionContext()], { x: zeros([1, 16, 128, 128]) }, 40);
    const layers = engine.inspect().layers;
    const at = layers.findIndex((layer) => /_conv_/.test(layer.tactic));
    cells.push(`${activation} ${fastest[at].toFixed(3)} (${layers[at].tactic})`);
  }
  console.log(`   Cout ${cout}: ${cells.join(', ')}`);
}
