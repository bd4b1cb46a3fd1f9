import { mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { KilnError } from '@kiln/common';
import { describe, expect, it } from 'vitest';
import { Constant, GraphBuilder, evaluate, load, save, saveToFile } from '../src/index.js';
import { ModelProtoSchema } from '../src/internal/proto/onnx_pb.js';
import { SHARED } from './shared.js';

async function codeOf(run: () => unknown): Promise<KilnError> {
  try {
    await run();
  } catch (error) {
    expect(KilnError.isInstance(error), String(error)).toBe(true);
    return error as KilnError;
  }
  throw new Error('expected a KilnError');
}

function smallModel() {
  const g = new GraphBuilder('small');
  const x = g.input('x', 'float32', [2, 3]);
  const w = g.floats([1, 2, 3, 4, 5, 6], [3, 2], 'w');
  const y = g.relu(g.matMul(x, w));
  g.output(y, 'float32', [2, 2]);
  return g.toModel({ opset: 17 });
}

describe('bad input gives coded errors', () => {
  it('garbage and truncated bytes: ERR_ONNX_PARSE', async () => {
    expect((await codeOf(() => load(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02])))).code).toBe('ERR_ONNX_PARSE');
    const bytes = readFileSync(join(SHARED, 'models', 'squeezenet1_1.onnx'));
    expect((await codeOf(() => load(bytes.subarray(0, 1000)))).code).toBe('ERR_ONNX_PARSE');
    expect((await codeOf(() => load(new Uint8Array(0)))).code).toBe('ERR_ONNX_PARSE');
  });

  it('a cycle: ERR_ONNX_CYCLE naming a node on it', async () => {
    const model = smallModel();
    const [matMul, relu] = model.graph.nodes;
    matMul?.setInput(0, relu?.outputs[0]); // MatMul reads Relu's output, Relu reads MatMul's.
    const error = await codeOf(() => model.graph.toposort());
    expect(error.code).toBe('ERR_ONNX_CYCLE');
    expect(error.message).toMatch(/matmul|relu/);
    const reloaded = await load(save(model));
    const x = { type: 'float32', dims: [2, 3], data: new Float32Array(6) } as const;
    expect((await codeOf(() => evaluate(reloaded, { x }))).code).toBe('ERR_ONNX_CYCLE');
  });

  it('a missing initializer: ERR_ONNX_DANGLING naming node and input', async () => {
    const proto = fromBinary(ModelProtoSchema, save(smallModel()));
    proto.graph?.initializer.splice(0, 1);
    const error = await codeOf(() => load(toBinary(ModelProtoSchema, proto)));
    expect(error.code).toBe('ERR_ONNX_DANGLING');
    expect(error.message).toContain("'w'");
    expect(error.message).toContain('MatMul');
  });

  it('an unknown op: ERR_UNSUPPORTED_OP naming node, op, domain and opset', async () => {
    const g = new GraphBuilder('custom');
    const x = g.input('x', 'float32', [1]);
    g.output(g.layer('FancyOp', [x], {}, { name: 'fancy', domain: 'com.example' }));
    const model = g.toModel({ opset: 17, opsets: { 'com.example': 3 } });
    const error = await codeOf(() => evaluate(model, { x: { type: 'float32', dims: [1], data: new Float32Array(1) } }));
    expect(error.code).toBe('ERR_UNSUPPORTED_OP');
    expect(error.message).toContain("'fancy'");
    expect(error.message).toContain('com.example');
    expect(error.message).toContain('opset 3');
  });

  it('too new an opset: ERR_ONNX_OPSET saying what is supported', async () => {
    const model = smallModel();
    model.opsetImports.set('', 99);
    const error = await codeOf(() => evaluate(model, {}));
    expect(error.code).toBe('ERR_ONNX_OPSET');
    expect(error.expected).toMatch(/1\.\.\d+/);
    expect(error.found).toBe('99');
    expect(error.hint).toBeDefined();
  });

  it('external data: round trip, then bad location / missing file / short file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-ext-'));
    const path = join(dir, 'model.onnx');
    await saveToFile(smallModel(), path, { externalData: { location: 'weights.bin', sizeThreshold: 8 } });
    const loaded = await load(path);
    expect(Array.from((loaded.graph.initializers[0] as Constant).values.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(readFileSync(path).length).toBeLessThan(400);

    const proto = fromBinary(ModelProtoSchema, readFileSync(path));
    const entries = proto.graph?.initializer[0]?.externalData ?? [];
    const set = (key: string, value: string) => {
      const entry = entries.find((e) => e.key === key);
      if (entry) entry.value = value;
    };
    const tryLoad = async () => {
      writeFileSync(path, toBinary(ModelProtoSchema, proto));
      return codeOf(() => load(path));
    };
    set('location', '../outside.bin');
    expect((await tryLoad()).code).toBe('ERR_ONNX_EXTERNAL_DATA');
    set('location', '/etc/passwd');
    expect((await tryLoad()).code).toBe('ERR_ONNX_EXTERNAL_DATA');
    set('location', 'missing.bin');
    expect((await tryLoad()).code).toBe('ERR_ONNX_EXTERNAL_DATA');
    set('location', 'weights.bin');
    truncateSync(join(dir, 'weights.bin'), 10);
    const error = await tryLoad();
    expect(error.code).toBe('ERR_ONNX_EXTERNAL_DATA');
    expect(error.message).toContain("'w'");
    expect((await codeOf(() => load(readFileSync(path)))).code).toBe('ERR_ONNX_EXTERNAL_DATA');
  });
});
