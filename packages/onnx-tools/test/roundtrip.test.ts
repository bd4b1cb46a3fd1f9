import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { load, save } from '../src/index.js';
import { ModelProtoSchema } from '../src/internal/proto/onnx_pb.js';

const SHARED = join(__dirname, '../../../../shared');
const MODELS = join(SHARED, 'models');
const NODE_TESTS = join(SHARED, 'onnx-node-tests/node');

/** A ModelProto as JSON with the differences that carry no meaning removed. */
function canonical(bytes: Uint8Array): unknown {
  const proto = fromBinary(ModelProtoSchema, bytes);
  // Compare large payloads by digest: JSON (base64) of megabytes is slow.
  const digests: string[] = [];
  for (const tensor of proto.graph?.initializer ?? []) {
    digests.push(`${tensor.name}:${createHash('sha1').update(tensor.rawData).digest('hex')}`);
    tensor.rawData = new Uint8Array(0);
  }
  return { model: normalize(toJson(ModelProtoSchema, proto)), digests };
}

function normalize(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => normalize(v));
    return key === 'valueInfo' ? items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : items;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'denotation') continue;
      const n = normalize(v, k);
      // proto2 fields set to their default carry no meaning.
      if (n === '' || n === 0 || n === '0' || (Array.isArray(n) && n.length === 0) || (n && typeof n === 'object' && Object.keys(n).length === 0 && k !== 'dim')) continue;
      if (k === 'type' && n === 'UNDEFINED') continue;
      out[k] = n;
    }
    return out;
  }
  return value;
}

function roundTrip(path: string) {
  const original = readFileSync(path);
  return load(original).then((model) => {
    const saved = save(model);
    expect(canonical(saved)).toEqual(canonical(original));
  });
}

describe('save(load(x)) keeps the model', () => {
  for (const name of ['mobilenet_v2', 'squeezenet1_1', 'bert_mini']) {
    it(name, () => roundTrip(join(MODELS, `${name}.onnx`)), 30_000);
  }

  it.skipIf(!existsSync(NODE_TESTS))('every ONNX backend node-test model', async () => {
    const cases = readdirSync(NODE_TESTS).sort();
    const failures: string[] = [];
    for (const name of cases) {
      try {
        await roundTrip(join(NODE_TESTS, name, 'model.onnx'));
      } catch (error) {
        failures.push(`${name}: ${(error as Error).message.split('\n').slice(0, 8).join('\n')}`);
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(cases.length).toBeGreaterThan(1000);
  }, 60_000);
});

describe('re-encoding decoded values is bit-identical', () => {
  it('initializers of the shared models, decoded and written back from typed arrays', async () => {
    const { Constant } = await import('../src/index.js');
    const model = await load(readFileSync(join(MODELS, 'squeezenet1_1.onnx')));
    const originals = new Map<string, Uint8Array>();
    for (const constant of model.graph.initializers) {
      const values = (constant as InstanceType<typeof Constant>).values;
      const data = values.data as Float32Array;
      originals.set(constant.name, new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)));
      constant.values = { ...values }; // drops the encoded form: save() re-encodes from the typed array
    }
    const again = await load(save(model));
    for (const constant of again.graph.initializers) {
      const data = constant.values.data as Float32Array;
      expect(Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(originals.get(constant.name) as Uint8Array)).toBe(true);
    }
  });

  it.skipIf(!existsSync(NODE_TESTS))('node-test TensorProtos: loadTensor(saveTensor(loadTensor(pb)))', async () => {
    const { loadTensor, saveTensor } = await import('../src/index.js');
    let checked = 0;
    for (const name of readdirSync(NODE_TESTS).sort()) {
      const file = join(NODE_TESTS, name, 'test_data_set_0', 'input_0.pb');
      if (!existsSync(file)) continue;
      let tensor: ReturnType<typeof loadTensor>;
      try {
        tensor = loadTensor(readFileSync(file));
      } catch {
        continue; // sequence/optional protos, element types without typed arrays
      }
      expect(loadTensor(saveTensor(tensor))).toEqual(tensor);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  }, 60_000);
});
