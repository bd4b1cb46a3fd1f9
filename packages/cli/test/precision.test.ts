// kiln build precision flags and kiln quantize, end to end on a small conv network written to a
// temporary folder (model, .npy calibration batches, calibration cache, plans).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NetworkDefinition } from '@kiln/builder';
import { seededRandom } from '@kiln/common';
import { kernels } from '@kiln/core-native';
import { load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../src/index.js';
import { encodeNpy } from '../src/internal/npy.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-cli-precision-'));
const file = (name: string) => path.join(dir, name);

function floats(count: number, seed: number, scale: number): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length: count }, () => (next() * 2 - 1) * scale);
}

function writeModel(): string {
  const n = new NetworkDefinition();
  const x = n.addInput('image', 'float32', [1, 8, 10, 10]);
  const weights = (dims: number[], seed: number) => ({ type: 'float32' as const, dims, data: floats(dims.reduce((a, b) => a * b, 1), seed, 0.3) });
  const c1 = n.addActivation(n.addConvolution(x, { weights: weights([16, 8, 3, 3], 1), pads: [1, 1, 1, 1] }), 'Relu');
  n.markOutput(n.addConvolution(c1, { weights: weights([12, 16, 1, 1], 2) }), 'y');
  fs.writeFileSync(file('net.onnx'), save(n.model));
  for (let b = 0; b < 3; b++) fs.writeFileSync(file(`b${b}.npy`), encodeNpy({ type: 'float32', dims: [1, 8, 10, 10], data: floats(800, 10 + b, 1) }));
  return file('net.onnx');
}

/** A vector (not scalar-reference) kernel of this family prefix runs on this CPU. */
// By family: a prefix would also match bf16_conv_nchw, whose fp32 alias runs on AVX2.
const hasVector = (family: string) => kernels().some((kernel) => kernel.runnable && kernel.family === family && !kernel.name.endsWith('__scalar'));
const tactics = (plan: string) => new Runtime().deserializeEngine(new Uint8Array(fs.readFileSync(plan))).inspect().layers.map((layer) => layer.tactic);
const calibData = `--calibData=${[0, 1, 2].map((b) => `image:${file(`b${b}.npy`)}`).join(',')}`;

describe('kiln build precision flags', () => {
  const onnx = writeModel();

  it('--int8 with --calib and --calibData calibrates, writes the cache and builds qu8 layers; the cache alone is reused', async () => {
    expect(await main(['build', `--onnx=${onnx}`, `--saveEngine=${file('int8.plan')}`, '--int8', `--calib=${file('net.calib')}`, calibData, '--calibAlgorithm=minmax', '--builderOptimizationLevel=0', '--quiet'])).toBe(0);
    expect(fs.readFileSync(file('net.calib'), 'utf8')).toMatch(/^TRT-\S+-MinMaxCalibration/);
    expect(tactics(file('int8.plan')).filter((t) => t.startsWith('qu8_conv')).length).toBe(2);
    expect(await main(['build', `--onnx=${onnx}`, `--saveEngine=${file('int8b.plan')}`, '--int8', `--calib=${file('net.calib')}`, '--builderOptimizationLevel=0', '--quiet'])).toBe(0);
    expect(tactics(file('int8b.plan'))).toEqual(tactics(file('int8.plan')));
  });

  it('--bf16 / --fp16 / --best and --layerPrecisions with --precisionConstraints=obey', async () => {
    expect(await main(['build', `--onnx=${onnx}`, `--saveEngine=${file('bf16.plan')}`, '--bf16', '--builderOptimizationLevel=0', '--quiet'])).toBe(0);
    // bf16 and fp16 kernels exist only on CPUs with AVX512-BF16 / AVX512-FP16: the obey case uses one that runs here.
    expect(tactics(file('bf16.plan')).filter((t) => t.startsWith('bf16_conv')).length).toBe(hasVector('bf16_conv') ? 2 : 0);
    const layer = new Runtime().deserializeEngine(new Uint8Array(fs.readFileSync(file('bf16.plan')))).inspect().layers.find((l) => /^(bf16|f32)_conv/.test(l.tactic))!.name;
    const reduced = hasVector('f16_conv') ? 'fp16' : hasVector('bf16_conv') ? 'bf16' : undefined;
    if (reduced) {
      expect(await main(['build', `--onnx=${onnx}`, `--saveEngine=${file('mixed.plan')}`, '--precisionConstraints=obey', `--layerPrecisions=${layer}:${reduced}`, '--builderOptimizationLevel=0', '--quiet'])).toBe(0);
      expect(tactics(file('mixed.plan')).filter((t) => /^(f16|bf16|qu8)_/.test(t))).toHaveLength(1);
    }
    expect(await main(['build', `--onnx=${onnx}`, `--saveEngine=${file('best.plan')}`, '--best', '--quiet'])).toBe(0);
  });

  it('kiln sensitivity ranks every int8 layer and prints the --layerPrecisions that reach the target', async () => {
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
    try {
      expect(await main(['sensitivity', `--onnx=${onnx}`, calibData, '--calibAlgorithm=minmax', '--feeds=2', '--targetCosine=1', '--quiet'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(printed[0]).toMatch(/^worst cosine to fp32 over 2 input\(s\): all int8 0\.\d+, with the layers below in bf16 [01]\.\d+$/);
    expect(printed.filter((line) => /^\| \S+ \| qu8_conv/.test(line))).toHaveLength(2);
    // A target of 1 is out of reach: it moves at most a quarter of the layers (here one), when that helps.
    expect(printed.at(-1)).toMatch(/^(--precisionConstraints=prefer --layerPrecisions=\S+:bf16|No layer needs to leave int8\.)$/);
    expect(await main(['sensitivity', `--onnx=${onnx}`, '--quiet'])).toBe(1);
    expect(await main(['sensitivity', `--onnx=${onnx}`, calibData, '--fallback=int4', '--quiet'])).toBe(1);
  });

  it('bad precision flags and a missing cache without data exit non-zero', async () => {
    const base = ['build', `--onnx=${onnx}`, `--saveEngine=${file('bad.plan')}`, '--quiet'];
    expect(await main([...base, '--precisionConstraints=sometimes'])).toBe(1);
    expect(await main([...base, '--layerPrecisions=conv:fp64'])).toBe(1);
    expect(await main([...base, '--int8', `--calib=${file('missing.calib')}`])).toBe(1);
    expect(await main([...base, '--int8', calibData, '--calibAlgorithm=median'])).toBe(1);
    expect(await main([...base, '--stronglyTyped', '--fp16'])).toBe(1);
  });
});

describe('kiln quantize', () => {
  it('writes a Q/DQ model from the calibration cache that builds to int8 layers', async () => {
    const onnx = file('net.onnx');
    expect(await main(['quantize', `--onnx=${onnx}`, `--calib=${file('q.calib')}`, calibData, `--saveOnnx=${file('net.qdq.onnx')}`, '--quiet'])).toBe(0);
    const qdq = await load(new Uint8Array(fs.readFileSync(file('net.qdq.onnx'))));
    expect(qdq.graph.nodes.filter((node) => node.op === 'QuantizeLinear').length).toBeGreaterThan(0);
    expect(await main(['build', `--onnx=${file('net.qdq.onnx')}`, `--saveEngine=${file('qdq.plan')}`, '--builderOptimizationLevel=0', '--quiet'])).toBe(0);
    expect(tactics(file('qdq.plan')).filter((t) => t.startsWith('qu8_conv')).length).toBe(2);
    expect(await main(['quantize', `--onnx=${onnx}`, `--saveOnnx=${file('x.onnx')}`, '--quiet'])).toBe(1);
    expect(await main(['quantize', `--onnx=${onnx}`, `--calib=${file('none.calib')}`, `--saveOnnx=${file('x.onnx')}`, '--quiet'])).toBe(1);
  });
});
