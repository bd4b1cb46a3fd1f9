import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Tensor } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { buildEngine } from '../src/index.js';
import { closeTo, hasShared, randomFloat, seeded, sharedDir, sharedModel } from './helpers.js';

interface ModelSpec {
  name: string;
  inputs: { name: string; dtype: string; shape: number[]; dynamic?: Record<string, string> }[];
}

const specs: ModelSpec[] = hasShared ? JSON.parse(fs.readFileSync(`${sharedDir()}/models/models.json`, 'utf8')).models.filter((model: { file: string }) => model.file.endsWith('.onnx')) : [];

function feedsFor(spec: ModelSpec, dims: Record<string, number[]>, seed: number): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const input of spec.inputs) {
    const shape = dims[input.name]!;
    if (input.dtype === 'float32') {
      feeds[input.name] = randomFloat(shape, seed++);
    } else {
      const next = seeded(seed++);
      const count = shape.reduce((a, b) => a * b, 1);
      const ones = input.name.includes('mask');
      feeds[input.name] = { type: 'int64', dims: shape, data: BigInt64Array.from({ length: count }, () => (ones ? 1n : BigInt(Math.floor(next() * 4096)))) };
    }
  }
  return feeds;
}

async function runOrt(file: string, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const inputs = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims)]));
  const outputs = await session.run(inputs);
  return Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, { type: value.type, dims: [...value.dims], data: value.data } as Tensor]));
}

/** The default shape, and another batch (and sequence length) inside one dynamic profile. */
function variants(spec: ModelSpec): Record<string, number[]>[] {
  const base = Object.fromEntries(spec.inputs.map((input) => [input.name, input.shape]));
  const other = Object.fromEntries(spec.inputs.map((input) => [input.name, input.shape.map((dim, axis) => (input.dynamic?.[axis] ? (axis === 0 ? 2 : Math.max(8, dim / 2)) : dim))]));
  return [base, other];
}

describe.skipIf(!hasShared)('shared models match onnxruntime-node (atol 1e-4, rtol 1e-3)', () => {
  for (const spec of specs) {
    it(`${spec.name} at its default shape and at another batch/sequence in a dynamic profile`, { timeout: 600_000 }, async () => {
      const shapes = variants(spec);
      const min = Object.fromEntries(spec.inputs.map((input) => [input.name, input.shape.map((dim, axis) => (input.dynamic?.[axis] ? 1 : dim))]));
      const max = Object.fromEntries(spec.inputs.map((input) => [input.name, shapes[0]![input.name]!.map((dim, axis) => Math.max(dim, shapes[1]![input.name]![axis]!))]));
      const plan = await buildEngine(sharedModel(spec.name), { minShapes: min, optShapes: shapes[0]!, maxShapes: max, builderOptimizationLevel: 1 });
      const context = new Runtime().deserializeEngine(plan).createExecutionContext();
      for (const [index, dims] of shapes.entries()) {
        const feeds = feedsFor(spec, dims, 17 + index);
        const [mine, theirs] = [await context.run(feeds), await runOrt(sharedModel(spec.name), feeds)];
        for (const [name, expected] of Object.entries(theirs)) {
          const result = closeTo(mine[name]!, expected, 1e-4, 1e-3);
          expect(result.ok, `${spec.name} ${name} at ${JSON.stringify(dims)}: ${result.message}`).toBe(true);
        }
      }
    });
  }
});
