import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { Model } from '../ir/model.js';
import type { Constant } from '../ir/value.js';
import { ModelProtoSchema, StringStringEntryProtoSchema, type TensorProto, TensorProtoSchema, TensorProto_DataLocation } from '../proto/onnx_pb.js';
import { resolveLocation } from './external-data.js';
import type { EncodedTensor } from './from-proto.js';
import { encodeTensor, rawBytes } from './tensor-codec.js';
import { inlineInitializer, modelToProto } from './to-proto.js';

/** Where {@link saveModelToFile} puts large tensors. */
export interface ExternalDataOptions {
  /** File name relative to the model's folder (default `<model file name>.data`). */
  location?: string;
  /** Tensors with at least this many payload bytes go to the external file (default 1024). */
  sizeThreshold?: number;
}

export interface SaveToFileOptions {
  /** `true` or options: write large initializers to an external data file next to the model. */
  externalData?: boolean | ExternalDataOptions;
}

const ALIGNMENT = 64;

/** Serialize a model into one buffer (external data is inlined). */
export function saveModel(model: Model): Uint8Array {
  return toBinary(ModelProtoSchema, modelToProto(model));
}

/** Serialize a tensor as a TensorProto. */
export function saveTensorProto(tensor: Tensor, name = ''): Uint8Array {
  return toBinary(TensorProtoSchema, encodeTensor(tensor, name));
}

/** The raw little-endian payload of a constant without decoding it when it is still encoded. */
function constantPayload(constant: Constant): Uint8Array | undefined {
  const encoded = constant.encoded as EncodedTensor | undefined;
  if (constant.dtype === 'string') return undefined;
  if (encoded?.external) return encoded.external;
  if (encoded && encoded.proto.rawData.length > 0) return encoded.proto.rawData;
  try {
    return rawBytes(constant.values);
  } catch {
    return undefined;
  }
}

/** Write a model file, optionally with large initializers in an external data file. */
export async function saveModelToFile(model: Model, path: string, options: SaveToFileOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  if (!options.externalData) {
    await writeFile(path, saveModel(model));
    return;
  }
  const settings = options.externalData === true ? {} : options.externalData;
  const location = settings.location ?? `${basename(path)}.data`;
  const threshold = settings.sizeThreshold ?? 1024;
  const dataPath = resolveLocation(dirname(path), location, 'saveToFile options.externalData.location');
  const chunks: { bytes: Uint8Array; offset: number }[] = [];
  let end = 0;
  const writeInitializer = (constant: Constant): TensorProto => {
    const payload = constantPayload(constant);
    if (payload === undefined || payload.length < threshold) return inlineInitializer(constant);
    const offset = Math.ceil(end / ALIGNMENT) * ALIGNMENT;
    chunks.push({ bytes: payload, offset });
    end = offset + payload.length;
    const encoded = constant.encoded as EncodedTensor | undefined;
    const base = encoded?.proto ?? encodeTensor(constant.values, constant.name);
    const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
    return create(TensorProtoSchema, {
      name: constant.name,
      dims: base.dims,
      dataType: base.dataType,
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [entry('location', location), entry('offset', String(offset)), entry('length', String(payload.length))],
      ...(base.docString ? { docString: base.docString } : {}),
    });
  };
  const proto = modelToProto(model, writeInitializer);
  const handle = await open(dataPath, 'w');
  try {
    for (const chunk of chunks) await handle.write(chunk.bytes, 0, chunk.bytes.length, chunk.offset);
  } catch (cause) {
    throw new KilnError('ERR_ONNX_EXTERNAL_DATA', 'Cannot write the external data file', { where: dataPath, cause });
  } finally {
    await handle.close();
  }
  await writeFile(path, toBinary(ModelProtoSchema, proto));
}
