/** Shape inference on the shared torch-exported models: every tensor gets a dtype and a rank. */
import { existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Model } from '../src/internal/ir/index.js';
import { inferShapes } from '../src/internal/shapes/index.js';
import { loadModel } from './shapes-load.js';
import { join } from 'node:path';
import { SHARED } from './shared.js';

const MODELS = join(SHARED, 'models');

function allNodeOutputs(model: Model) {
  return model.graph.nodes.flatMap((node) => node.outputs.filter((o): o is NonNullable<typeof o> => o !== undefined).map((o) => ({ node, value: o })));
}

function expectEverythingTyped(model: Model): void {
  const missing = allNodeOutputs(model)
    .filter(({ value }) => value.dtype === undefined || value.shape === undefined || value.shape.some((d) => d === undefined))
    .map(({ node, value }) => `${node.describe()} -> ${value.name}`);
  expect(missing).toEqual([]);
}

/** Fresh `unk__` symbols mean inference lost track of an extent. */
function freshSymbols(model: Model): string[] {
  return allNodeOutputs(model)
    .filter(({ value }) => value.shape?.some((d) => typeof d === 'string' && d.includes('unk__')))
    .map(({ value }) => `${value.name} ${JSON.stringify(value.shape)}`);
}

describe.skipIf(!existsSync(`${MODELS}/mobilenet_v2.onnx`))('shape inference on the shared models', () => {
  test.each(['mobilenet_v2', 'squeezenet1_1'])('%s: every tensor typed, output [N, 1000]', async (name) => {
    const model = await loadModel(`${MODELS}/${name}.onnx`);
    for (const output of model.graph.outputs) if ('valueType' in output) output.shape = undefined;
    const { warnings } = inferShapes(model);
    expect(warnings).toEqual([]);
    expectEverythingTyped(model);
    expect(freshSymbols(model)).toEqual([]);
    expect(model.graph.outputs[0]?.dtype).toBe('float32');
    expect(model.graph.outputs[0]?.shape).toEqual(['N', 1000]);
    // Intermediate tensors are recorded as value_info so a saved model keeps them.
    expect(model.graph.valueInfo.length).toBe(allNodeOutputs(model).length - model.graph.outputs.length);
  });

  test('mobilenet_v2 with a concrete profile shape', async () => {
    const model = await loadModel(`${MODELS}/mobilenet_v2.onnx`);
    inferShapes(model, { inputShapes: { input: [8, 3, 160, 160] } });
    expect(model.graph.inputs[0]?.shape).toEqual([8, 3, 160, 160]);
    expect(model.graph.outputs[0]?.shape).toEqual([8, 1000]);
    const conv = model.graph.nodes.find((n) => n.op === 'Conv');
    expect(conv?.outputs[0]?.shape).toEqual([8, 32, 80, 80]);
  });

  test('bert_mini: Shape→Gather→Unsqueeze→Concat→Reshape chains stay symbolic', async () => {
    const model = await loadModel(`${MODELS}/bert_mini.onnx`);
    for (const output of model.graph.outputs) if ('valueType' in output) output.shape = undefined;
    const { warnings, shapeValues } = inferShapes(model);
    expect(warnings).toEqual([]);
    expectEverythingTyped(model);
    expect(freshSymbols(model)).toEqual([]);
    expect(model.graph.outputs[0]?.shape).toEqual(['B', 'S', 256]);
    const reshapes = model.graph.nodes.filter((n) => n.op === 'Reshape' && n.name.includes('attention/self/Reshape'));
    expect(reshapes.length).toBeGreaterThan(0);
    for (const r of reshapes) {
      const shape = r.outputs[0]?.shape;
      expect([JSON.stringify(['B', 'S', 4, 64]), JSON.stringify(['B', 'S', 256])]).toContain(JSON.stringify(shape));
    }
    const scores = model.graph.nodes.find((n) => n.op === 'Softmax');
    expect(scores?.outputs[0]?.shape).toEqual(['B', 4, 'S', 'S']);
    // The attention reshape targets are tracked as symbolic values.
    const concat = model.graph.nodes.find((n) => n.op === 'Concat' && n.name.endsWith('attention/self/Concat'));
    expect(shapeValues.get(concat?.outputs[0]?.name ?? '')).toEqual(['B', 'S', -1, 64]);
  });

  test('bert_mini with concrete batch and sequence', async () => {
    const model = await loadModel(`${MODELS}/bert_mini.onnx`);
    inferShapes(model, { inputShapes: { input_ids: [2, 7], attention_mask: [2, 7] } });
    expect(model.graph.outputs[0]?.shape).toEqual([2, 7, 256]);
    expect(model.graph.nodes.find((n) => n.op === 'Softmax')?.outputs[0]?.shape).toEqual([2, 4, 7, 7]);
  });
});
