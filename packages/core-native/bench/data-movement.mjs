#!/usr/bin/env node
// Times the pooling, data-movement and cast layers on shapes from the shared models (and a few
// generic ones), one layer per engine, median of repeated runSync calls.
//
//   node bench/data-movement.mjs [--isa=scalar|avx2|avx512] [--json]
//
// --isa runs the `<family>__<isa>` tactic (default: the family name, i.e. the best variant this
// CPU allows). KILN_THREADS sets the pool size; KILN_NATIVE_PATH compares another build.
import { performance } from 'node:perf_hooks';
import { createEngine } from '../dist/index.js';

const args = process.argv.slice(2);
const isa = args.find((a) => a.startsWith('--isa='))?.slice(6);
const json = args.includes('--json');
const count = (shape) => shape.reduce((a, b) => a * b, 1);
const BYTES = { float32: 4, int32: 4, int64: 8, bool: 1 };
const make = (dtype, n) =>
  dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'int64' ? new BigInt64Array(n) : new Uint8Array(n);

function randomFill(array) {
  let s = 12345;
  for (let i = 0; i < array.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    if (array instanceof BigInt64Array) array[i] = BigInt(s % 1000);
    else array[i] = array instanceof Uint8Array ? s & 1 : (s % 2000) / 100 - 10;
  }
  return array;
}

// { name, kernel, inputs: [{ dtype, shape, data? }], outputs: [{ dtype, shape }], params }
const CASES = [
  { name: 'squeezenet fire2 concat 2x[1,64,55,55] axis 1', kernel: 'x_concat', inputs: [{ shape: [1, 64, 55, 55] }, { shape: [1, 64, 55, 55] }], outputs: [{ shape: [1, 128, 55, 55] }], params: [1] },
  { name: 'squeezenet fire9 concat 2x[1,256,13,13] axis 1', kernel: 'x_concat', inputs: [{ shape: [1, 256, 13, 13] }, { shape: [1, 256, 13, 13] }], outputs: [{ shape: [1, 512, 13, 13] }], params: [1] },
  { name: 'concat last axis 3x[4096,3] -> [4096,9]', kernel: 'x_concat', inputs: [{ shape: [4096, 3] }, { shape: [4096, 3] }, { shape: [4096, 3] }], outputs: [{ shape: [4096, 9] }], params: [-1] },
  { name: 'split [1,128,55,55] axis 1 into 2', kernel: 'x_split', inputs: [{ shape: [1, 128, 55, 55] }], outputs: [{ shape: [1, 64, 55, 55] }, { shape: [1, 64, 55, 55] }], params: [1] },
  { name: 'squeezenet maxpool 3x3/2 [1,96,109,109]', kernel: 'f32_maxpool2d', inputs: [{ shape: [1, 96, 109, 109] }], outputs: [{ shape: [1, 96, 54, 54] }], params: [3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 0] },
  { name: 'squeezenet maxpool 3x3/2 [1,256,27,27]', kernel: 'f32_maxpool2d', inputs: [{ shape: [1, 256, 27, 27] }], outputs: [{ shape: [1, 256, 13, 13] }], params: [3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 0] },
  { name: 'resnet maxpool 3x3/2 pad 1 [1,64,112,112]', kernel: 'f32_maxpool2d', inputs: [{ shape: [1, 64, 112, 112] }], outputs: [{ shape: [1, 64, 56, 56] }], params: [3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0] },
  { name: 'avgpool 3x3/1 pad 1 include_pad [1,64,56,56]', kernel: 'f32_avgpool2d', inputs: [{ shape: [1, 64, 56, 56] }], outputs: [{ shape: [1, 64, 56, 56] }], params: [3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1] },
  { name: 'squeezenet global avgpool [1,1000,13,13]', kernel: 'f32_globalavgpool', inputs: [{ shape: [1, 1000, 13, 13] }], outputs: [{ shape: [1, 1000, 1, 1] }] },
  { name: 'mobilenet_v2 global avgpool [1,1280,7,7]', kernel: 'f32_globalavgpool', inputs: [{ shape: [1, 1280, 7, 7] }], outputs: [{ shape: [1, 1280, 1, 1] }] },
  { name: 'gather rows [4096,256] x 4096 int64 indices', kernel: 'x_gather', inputs: [{ shape: [4096, 256] }, { dtype: 'int64', shape: [4096], data: 'indices:4096' }], outputs: [{ shape: [4096, 256] }], params: [0] },
  { name: 'gather scalars [64,4096] axis 1 x 4096', kernel: 'x_gather', inputs: [{ shape: [64, 4096] }, { dtype: 'int64', shape: [4096], data: 'indices:4096' }], outputs: [{ shape: [64, 4096] }], params: [1] },
  { name: 'slice [1,64,112,112] every 2nd row and column', kernel: 'x_slice', inputs: [{ shape: [1, 64, 112, 112] }], outputs: [{ shape: [1, 64, 56, 56] }], params: [0, 0, 0, 0, 1, 1, 2, 2] },
  { name: 'slice [1,128,55,55] channels 32..96', kernel: 'x_slice', inputs: [{ shape: [1, 128, 55, 55] }], outputs: [{ shape: [1, 64, 55, 55] }], params: [0, 32, 0, 0, 1, 1, 1, 1] },
  { name: 'pad constant [1,3,224,224] by 1', kernel: 'x_pad', inputs: [{ shape: [1, 3, 224, 224] }], outputs: [{ shape: [1, 3, 226, 226] }], params: [0, 0, 0, 0, 1, 1, 0, 0, 1, 1] },
  { name: 'pad reflect [1,64,56,56] by 3', kernel: 'x_pad', inputs: [{ shape: [1, 64, 56, 56] }], outputs: [{ shape: [1, 64, 62, 62] }], params: [1, 0, 0, 0, 3, 3, 0, 0, 3, 3] },
  { name: 'expand [64,1,1] -> [1,64,56,56]', kernel: 'x_expand', inputs: [{ shape: [64, 1, 1] }], outputs: [{ shape: [1, 64, 56, 56] }] },
  { name: 'tile [1,64,28,28] x [1,1,2,2]', kernel: 'x_tile', inputs: [{ shape: [1, 64, 28, 28] }], outputs: [{ shape: [1, 64, 56, 56] }] },
  { name: 'copy 4 MiB float32', kernel: 'x_copy', inputs: [{ shape: [1 << 20] }], outputs: [{ shape: [1 << 20] }] },
  { name: 'cast float32 -> int32 [1<<20]', kernel: 'x_cast', inputs: [{ shape: [1 << 20] }], outputs: [{ dtype: 'int32', shape: [1 << 20] }] },
  { name: 'cast int64 -> float32 [1<<20]', kernel: 'x_cast', inputs: [{ dtype: 'int64', shape: [1 << 20] }], outputs: [{ shape: [1 << 20] }] },
  { name: 'cast float32 -> bool [1<<20]', kernel: 'x_cast', inputs: [{ shape: [1 << 20] }], outputs: [{ dtype: 'bool', shape: [1 << 20] }] },
];

function data(input) {
  const dtype = input.dtype ?? 'float32';
  if (typeof input.data === 'string') {
    const dim = Number(input.data.split(':')[1]);
    const out = make(dtype, count(input.shape));
    for (let i = 0; i < out.length; i++) out[i] = BigInt((i * 7919) % dim);
    return out;
  }
  return randomFill(make(dtype, count(input.shape)));
}

for (const c of CASES) {
  const tensors = [
    ...c.inputs.map((t, slot) => ({ dtype: t.dtype ?? 'float32', shape: t.shape, location: 'input', slot })),
    ...c.outputs.map((t, slot) => ({ dtype: t.dtype ?? 'float32', shape: t.shape, location: 'output', slot })),
  ];
  const kernel = isa ? `${c.kernel}__${isa}` : c.kernel;
  const layer = { kernel, inputs: c.inputs.map((_, i) => i), outputs: c.outputs.map((_, i) => c.inputs.length + i), params: c.params };
  const context = createEngine({ arenaBytes: 0, tensors, layers: [layer] }).createContext();
  const inputs = c.inputs.map(data);
  const outputs = c.outputs.map((t) => make(t.dtype ?? 'float32', count(t.shape)));
  const bytes = [...c.inputs, ...c.outputs].reduce((s, t) => s + count(t.shape) * BYTES[t.dtype ?? 'float32'], 0);
  for (let i = 0; i < 5; i++) context.runSync(inputs, outputs);
  const times = [];
  const start = performance.now();
  while (times.length < 15 || (performance.now() - start < 300 && times.length < 2000)) {
    const t0 = performance.now();
    context.runSync(inputs, outputs);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const us = times[times.length >> 1] * 1000;
  if (json) console.log(JSON.stringify({ case: c.name, kernel, us: Number(us.toFixed(1)), gbps: Number((bytes / us / 1000).toFixed(2)) }));
  else console.log(`${c.name.padEnd(52)} ${kernel.padEnd(22)} ${us.toFixed(1).padStart(9)} us  ${(bytes / us / 1000).toFixed(2).padStart(6)} GB/s`);
}
