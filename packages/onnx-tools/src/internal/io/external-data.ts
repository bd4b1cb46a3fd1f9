// External tensor data: files next to the model, addressed by (location, offset, length).
import { open, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { KilnError } from '@kiln/common';
import { elementTypeFromCode } from '../ir/dtype.js';
import type { GraphProto, ModelProto, TensorProto } from '../proto/onnx_pb.js';
import { TensorProto_DataLocation } from '../proto/onnx_pb.js';
import { payloadBytes } from './tensor-codec.js';

/**
 * Files up to this size are read whole (one read, one subarray per tensor). Larger files are read
 * tensor by tensor, each into a buffer of its own that the decoded tensor then adopts without a
 * copy, so a model of any size holds its weights once.
 */
const WHOLE_FILE_LIMIT = 64 << 20;

interface ExternalReference {
  proto: TensorProto;
  where: string;
  location: string;
  offset: number;
  length: number | undefined;
}

function externalError(message: string, where: string, details: { expected?: string; found?: string; hint?: string; cause?: unknown } = {}): KilnError {
  return new KilnError('ERR_ONNX_EXTERNAL_DATA', message, { where, ...details });
}

/**
 * Resolve an external-data `location` inside `baseDir`, refusing absolute paths and paths that
 * leave the folder.
 */
export function resolveLocation(baseDir: string, location: string, where: string): string {
  if (location === '' || location.includes('\0') || isAbsolute(location) || /^[a-zA-Z]:/.test(location)) {
    throw externalError(`External data location '${location}' is not a relative path`, where, {
      expected: 'a path relative to the model folder', found: location, hint: 'external data must live next to the model',
    });
  }
  const base = resolve(baseDir);
  const path = resolve(base, location);
  const rel = relative(base, path);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw externalError(`External data location '${location}' points outside the model folder`, where, {
      expected: `a file inside ${base}`, found: path, hint: 'move the data file next to the model and fix its location',
    });
  }
  return path;
}

function collect(graph: GraphProto, scope: string, out: ExternalReference[]): void {
  graph.initializer.forEach((proto, i) => {
    if (proto.dataLocation !== TensorProto_DataLocation.EXTERNAL) return;
    const where = `${scope}initializer ${i} '${proto.name}'`;
    const entries = new Map(proto.externalData.map((e) => [e.key, e.value]));
    const location = entries.get('location');
    if (location === undefined) throw externalError('External tensor has no location', where, { expected: "an external_data entry 'location'" });
    const number = (key: string): number | undefined => {
      const text = entries.get(key);
      if (text === undefined) return undefined;
      const n = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw externalError(`External data ${key} '${text}' is not a byte count`, where, { found: text });
      return n;
    };
    out.push({ proto, where, location, offset: number('offset') ?? 0, length: number('length') });
  });
  for (const node of graph.node) {
    for (const attribute of node.attribute) {
      if (attribute.g) collect(attribute.g, `${scope}node '${node.name}' subgraph, `, out);
      for (const g of attribute.graphs) collect(g, `${scope}node '${node.name}' subgraph, `, out);
    }
  }
}

/**
 * Read the payload of every EXTERNAL initializer in the model (main graph and subgraphs). Each
 * file is opened once; small files are read whole and each tensor is a view into it; in large
 * files each tensor is read into an ArrayBuffer of its own (which decoding adopts).
 */
export async function readExternalData(model: ModelProto, baseDir: string | undefined): Promise<Map<TensorProto, Uint8Array>> {
  const references: ExternalReference[] = [];
  if (model.graph) collect(model.graph, '', references);
  const payloads = new Map<TensorProto, Uint8Array>();
  if (references.length === 0) return payloads;
  if (baseDir === undefined) {
    throw externalError('The model stores tensors in external files, but it was loaded from bytes', references[0]?.where ?? '', {
      hint: 'call load(path) with the model file path so its external data files can be found',
    });
  }
  const byFile = new Map<string, ExternalReference[]>();
  for (const reference of references) {
    const path = resolveLocation(baseDir, reference.location, reference.where);
    byFile.set(path, [...(byFile.get(path) ?? []), reference]);
  }
  for (const [path, list] of byFile) {
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (cause) {
      throw externalError(`External data file '${list[0]?.location}' cannot be read`, list[0]?.where ?? path, { found: path, cause, hint: 'copy the data file next to the model' });
    }
    const ranges = list.map((reference) => {
      const dtype = elementTypeFromCode(reference.proto.dataType);
      const dims = reference.proto.dims.map(Number);
      const length = reference.length ?? (dtype ? payloadBytes(dtype, dims) : size - reference.offset);
      if (reference.offset + length > size) {
        throw externalError('External data range runs past the end of its file', reference.where, {
          expected: `offset + length <= ${size} (size of ${path})`, found: `offset ${reference.offset} + length ${length}`,
          hint: 'the data file is truncated or belongs to another model',
        });
      }
      return { reference, length };
    });
    const handle = await open(path, 'r');
    try {
      if (size <= WHOLE_FILE_LIMIT) {
        const whole = new Uint8Array(size);
        await readFully(handle, whole, 0, path);
        for (const { reference, length } of ranges) payloads.set(reference.proto, whole.subarray(reference.offset, reference.offset + length));
      } else {
        for (const { reference, length } of ranges) {
          const bytes = new Uint8Array(length);
          await readFully(handle, bytes, reference.offset, reference.where);
          payloads.set(reference.proto, bytes);
        }
      }
    } finally {
      await handle.close();
    }
  }
  return payloads;
}

async function readFully(handle: Awaited<ReturnType<typeof open>>, target: Uint8Array, position: number, where: string): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const chunk = Math.min(target.length - done, 1 << 30);
    const { bytesRead } = await handle.read(target, done, chunk, position + done);
    if (bytesRead === 0) {
      throw externalError('External data file ended early', where, { expected: `${target.length} bytes at offset ${position}`, found: `${done} bytes`, hint: 'the data file was truncated while loading; re-export the model' });
    }
    done += bytesRead;
  }
}
