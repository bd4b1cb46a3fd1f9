#!/usr/bin/env node
// Writes an ONNX model of COPIES convolutions in a chain (Conv + ReLU, each with its own seeded
// weights, no bias, 'same' padding), NCHW input [1, C, HW, HW]: one layer's shape repeated until
// the weights outgrow a cache level, so a layer is timed with its weights coming from L3 or from
// memory as in a large network (ResNet-50's 98 MB), e.g. for layer-compare.mjs or native-ab.mjs.
//
//   node tools/bench/conv-chain.mjs --hw=7 --channels=512 --kernel=3 [--stride=1] [--copies=14]
//     --out=/tmp/chain.onnx
import fs from 'node:fs';
import { seededRandom } from '@kiln/common';
import { GraphBuilder, save } from '@kiln/onnx-tools';
import { parseArgs } from './cases.mjs';

const args = parseArgs(process.argv.slice(2));
const number = (name, fallback) => {
  const value = Number(args.get(name) ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got ${args.get(name)}`);
  return value;
};
const hw = number('hw', 7);
const channels = number('channels', 512);
const kernel = number('kernel', 3);
const stride = number('stride', 1);
const copies = number('copies', 14);
const out = args.get('out');
if (typeof out !== 'string') throw new Error('--out=FILE.onnx is required');

const g = new GraphBuilder('conv_chain');
let x = g.input('x', 'float32', [1, channels, hw, hw]);
const pad = kernel >> 1;
for (let i = 0; i < copies; i++) {
  const next = seededRandom(i + 1);
  const count = channels * channels * kernel * kernel;
  const scale = 1 / Math.sqrt(channels * kernel * kernel);
  const w = g.constant({ type: 'float32', dims: [channels, channels, kernel, kernel], data: Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale) });
  x = g.layer('Relu', [g.layer('Conv', [x, w], { pads: [pad, pad, pad, pad], strides: [stride, stride] })]);
}
g.output(x);
fs.writeFileSync(out, save(g.toModel({ opset: 17 })));
console.log(`${out}: ${copies} x Conv ${kernel}x${kernel} ${channels} -> ${channels} at ${hw}x${hw}, ${(copies * channels * channels * kernel * kernel * 4 / 2 ** 20).toFixed(0)} MiB of weights`);
