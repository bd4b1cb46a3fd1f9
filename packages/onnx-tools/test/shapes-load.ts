// Test helper: reads an ONNX file into the IR.
import { readFileSync } from 'node:fs';
import { fromBinary } from '@bufbuild/protobuf';
import type { Model } from '../src/internal/ir/index.js';
import { modelFromProto } from '../src/internal/io/from-proto.js';
import { ModelProtoSchema } from '../src/internal/proto/onnx_pb.js';

export function loadModel(path: string): Model {
  return modelFromProto(fromBinary(ModelProtoSchema, readFileSync(path)));
}
