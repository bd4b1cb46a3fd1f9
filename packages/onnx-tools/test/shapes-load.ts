// Test helpers: read ONNX files into the IR.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import type { Model } from '../src/internal/ir/index.js';
import { modelFromProto } from '../src/internal/io/from-proto.js';
import { decodeTensor } from '../src/internal/io/tensor-codec.js';
import { ModelProtoSchema, TensorProtoSchema } from '../src/internal/proto/onnx_pb.js';

export function loadModel(path: string): Model {
  return modelFromProto(fromBinary(ModelProtoSchema, readFileSync(path)));
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
      const tensor = decodeTensor(fromBinary(TensorProtoSchema, readFileSync(file)), file);
      if (tensor.type === 'string' || tensor.data.length > limit || !/^(int|uint|float32|float64)/.test(tensor.type)) return;
      out[input.name] = Array.from(tensor.data as ArrayLike<number | bigint>, (v) => Number(v));
    } catch {
      // Sequences and optionals are not tensors: no values.
    }
  });
  return out;
}
