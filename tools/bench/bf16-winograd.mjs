#!/usr/bin/env node
// One 3x3 conv (stride 1, pad 1, bias, ReLU) with bf16 tensors in and out, as between two bf16
// layers: each runnable bf16_conv_winograd_* twin against the best bf16 im2col variant, and each
// twin's f32_conv_winograd_* original with fp32 tensors. The fastest of --runs runs of each, on
// --threads threads; tensors live in the engine's arena (no bindings).
//
//   node tools/bench/bf16-winograd.mjs [--hw=27] [--c=32] [--oc=128] [--threads=2] [--runs=300]
import { createEngine, kernels, packWeights, setThreads } from '@kiln/core-native';
import { parseArgs } from './cases.mjs';

const args = parseArgs(process.argv.slice(2));
const hw = Number(args.get('hw') ?? 27), c = Number(args.get('c') ?? 32), oc = Number(args.get('oc') ?? 128);
const runs = Number(args.get('runs') ?? 300);
setThreads(Number(args.get('threads') ?? 2));
const weights = Float32Array.from({ length: oc * c * 9 }, (_, i) => Math.sin(i) * 0.1);
const bias = Float32Array.from({ length: oc }, (_, i) => Math.cos(i));
const shape = [oc, c, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1];

/** Minimum ms of `kernel` on the layer with `dtype` tensors. */
function fastest(kernel, dtype) {
  const packed = packWeights(kernel, shape, weights);
  const biasAt = Math.ceil(packed.byteLength / 64) * 64;
  const section = new Uint8Array(biasAt + oc * 4);
  section.set(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength));
  new Float32Array(section.buffer, biasAt, oc).set(bias);
  const bytes = dtype === 'float32' ? 4 : 2;
  const outputAt = Math.ceil((hw * hw * c * bytes) / 64) * 64;
  const tensors = [
    { dtype, shape: [1, hw, hw, c], location: 'arena', offset: 0 },
    { dtype: 'float32', shape: [packed.length], location: 'weights', offset: 0 },
    { dtype: 'float32', shape: [oc], location: 'weights', offset: biasAt },
    { dtype, shape: [1, hw, hw, oc], location: 'arena', offset: outputAt },
  ];
  const layers = [{ kernel, inputs: [0, 1, 2], outputs: [3], params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0], epilogue: [{ op: 'Relu' }] }];
  const context = createEngine({ arenaBytes: outputAt + hw * hw * oc * bytes, tensors, layers }, section).createContext();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    context.runSync([], []);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best.toFixed(4);
}

const runnable = kernels().filter((kernel) => kernel.runnable && kernel.family === 'bf16_conv');
const twins = runnable.filter((kernel) => kernel.name.startsWith('bf16_conv_winograd_')).map((kernel) => kernel.name);
const im2col = runnable.find((kernel) => kernel.name.startsWith('bf16_conv_im2col_'))?.name;
console.log(`3x3 conv ${hw}x${hw}x${c} -> ${oc}, minimum ms of ${runs} runs`);
if (im2col) console.log(`${im2col} (bf16 in and out): ${fastest(im2col, 'bfloat16')}`);
for (const twin of twins) {
  const original = twin.replace(/^bf16_/, 'f32_');
  console.log(`${twin} (bf16 in and out): ${fastest(twin, 'bfloat16')} | ${original} (fp32): ${fastest(original, 'float32')}`);
}
