import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { Model } from '../ir/model.js';
import { type ModelProto, ModelProtoSchema, type TensorProto, TensorProtoSchema } from '../proto/onnx_pb.js';
import { readExternalData } from './external-data.js';
import { modelFromProto } from './from-proto.js';
import { decodeTensor } from './tensor-codec.js';

function parseError(what: string, where: string, cause: unknown): KilnError {
  return new KilnError('ERR_ONNX_PARSE', `Cannot parse ${what}`, {
    where,
    expected: `a valid ${what} (protobuf)`,
    found: cause instanceof Error ? cause.message : String(cause),
    hint: 'the file is truncated, corrupt or not ONNX; re-export or re-download it',
    cause,
  });
}

/** Decode protobuf bytes; any decoder failure becomes ERR_ONNX_PARSE. */
export function decodeProto<T>(decode: () => T, what: string, where: string): T {
  try {
    return decode();
  } catch (cause) {
    throw parseError(what, where, cause);
  }
}

/** Run an IR conversion step: KilnErrors pass through, anything else is a parse error. */
function convert<T>(run: () => T, what: string, where: string): T {
  try {
    return run();
  } catch (error) {
    if (KilnError.isInstance(error)) throw error;
    throw parseError(what, where, error);
  }
}

/** Load a model from a file path (external data resolved next to it) or from bytes. */
export async function loadModel(pathOrBytes: string | Uint8Array): Promise<Model> {
  let bytes: Uint8Array;
  let baseDir: string | undefined;
  const where = typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>';
  if (typeof pathOrBytes === 'string') {
    try {
      bytes = await readFile(pathOrBytes);
    } catch (cause) {
      throw new KilnError('ERR_ONNX_READ', `Cannot read model file '${pathOrBytes}'`, { where, cause, hint: 'check the path' });
    }
    baseDir = dirname(pathOrBytes);
  } else {
    bytes = pathOrBytes;
  }
  const proto: ModelProto = decodeProto(() => fromBinary(ModelProtoSchema, bytes), 'ONNX ModelProto', where);
  const external = await readExternalData(proto, baseDir);
  return convert(() => modelFromProto(proto, (tensor) => external.get(tensor)), 'ONNX model', where);
}

/** Decode a serialized TensorProto (a node test's input_N.pb / output_N.pb). */
export function loadTensorProto(bytes: Uint8Array): Tensor {
  const proto: TensorProto = decodeProto(() => fromBinary(TensorProtoSchema, bytes), 'ONNX TensorProto', '<bytes>');
  return convert(() => decodeTensor(proto, `tensor '${proto.name}'`), 'ONNX TensorProto', `tensor '${proto.name}'`);
}
