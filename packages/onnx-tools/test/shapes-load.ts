// Test helpers: read ONNX files through the package's public loader.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Model, load, loadTensor } from '../src/index.js';

export function loadModel(path: string): Promise<Model> {
  return load(path);
}

/**
 * Values of a node test's small integer and float inputs (shape tensors, Resize scales, ...),
 * by graph input name, as a builder would know the shape-tensor values of a profile.
 */
export function loadSmallInputValues(caseDir: string, model: Model, limit = 64): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  model.graph.inputs.forEach((input, i) => {
    const file = join(caseDir, 'test_data_set_0', `input_${i}.pb`);
    if (!existsSync(file)) return;
    try {
      const tensor = loadTensor(readFileSync(file));
      if (tensor.type === 'string' || tensor.data.length > limit || !/^(int|uint|float32|float64)/.test(tensor.type)) return;
      out[input.name] = Array.from(tensor.data as ArrayLike<number | bigint>, (v) => Number(v));
    } catch {
      // Sequences and optionals are not tensors: no values.
    }
  });
  return out;
}
