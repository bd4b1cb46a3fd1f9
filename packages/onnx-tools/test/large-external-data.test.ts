// Models over 2 GiB keep their weights in external data files. These tests write sparse data
// files (no disk blocks for the zeros) so they stay cheap on disk: one checks offsets past 4 GiB,
// the other loads more than 2 GiB of weights and checks that they are held once, not copied.
import { mkdtempSync, openSync, closeSync, ftruncateSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { afterAll, describe, expect, it } from 'vitest';
import { load } from '../src/index.js';
import { Constant } from '../src/internal/ir/index.js';
import { ModelProtoSchema, TensorProto_DataLocation, TensorProtoSchema } from '../src/internal/proto/onnx_pb.js';

const MiB = 1 << 20;
const folder = mkdtempSync(join(tmpdir(), 'kiln-large-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Weight {
  name: string;
  elements: number;
  offset: number;
}

/** A model whose float32 initializers live in `data` at the given offsets; output = sum of them. */
function writeModel(file: string, data: string, weights: readonly Weight[]): void {
  const initializer = weights.map((w) =>
    create(TensorProtoSchema, {
      name: w.name,
      dims: [BigInt(w.elements)],
      dataType: 1,
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: data },
        { key: 'offset', value: String(w.offset) },
        { key: 'length', value: String(w.elements * 4) },
      ],
    }),
  );
  const model = create(ModelProtoSchema, {
    irVersion: 9n,
    opsetImport: [{ domain: '', version: 17n }],
    graph: {
      name: 'large',
      initializer,
      node: [{ opType: 'Sum', input: weights.map((w) => w.name), output: ['y'], name: 'sum' }],
      output: [{ name: 'y', type: { value: { case: 'tensorType', value: { elemType: 1 } } } }],
    },
  });
  writeFileSync(file, toBinary(ModelProtoSchema, model));
}

/** A sparse file of `size` bytes with float32 `value` written at each (byte offset, value). */
function writeSparse(path: string, size: number, marks: readonly [number, number][]): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, size);
    for (const [offset, value] of marks) writeSync(fd, new Uint8Array(Float32Array.of(value).buffer), 0, 4, offset);
  } finally {
    closeSync(fd);
  }
}

function valuesOf(model: Awaited<ReturnType<typeof load>>, name: string): Float32Array {
  const constant = model.graph.initializers.find((c) => c.name === name);
  if (!(constant instanceof Constant)) throw new Error(`no initializer ${name}`);
  return constant.values.data as Float32Array;
}

describe('external data', () => {
  it('reads tensors at offsets past 4 GiB', async () => {
    const offset = 2 ** 32 + 4096;
    writeSparse(join(folder, 'far.bin'), offset + 64, [[offset, 1.5], [offset + 60, -2.25]]);
    writeModel(join(folder, 'far.onnx'), 'far.bin', [{ name: 'w', elements: 16, offset }]);
    const model = await load(join(folder, 'far.onnx'));
    const w = valuesOf(model, 'w');
    expect(w.length).toBe(16);
    expect([w[0], w[1], w[15]]).toEqual([1.5, 0, -2.25]);
  });

  // Three 720 MiB tensors: 2.11 GiB of weights, past protobuf's 2 GiB limit. Loading them needs
  // that much memory, so the test runs only where three times as much is free.
  const perTensor = 720 * MiB;
  const total = 3 * perTensor;
  const enoughMemory = freemem() > 3 * total;
  it.skipIf(!enoughMemory)(`loads ${(total / 2 ** 30).toFixed(2)} GiB of external weights, held once`, async () => {
    const weights: Weight[] = [0, 1, 2].map((i) => ({ name: `w${i}`, elements: perTensor / 4, offset: i * perTensor }));
    const marks = weights.flatMap((w, i): [number, number][] => [[w.offset, i + 1], [w.offset + perTensor - 4, -(i + 1)]]);
    writeSparse(join(folder, 'big.bin'), total, marks);
    writeModel(join(folder, 'big.onnx'), 'big.bin', weights);
    const before = process.memoryUsage();
    const model = await load(join(folder, 'big.onnx'));
    const tensors = weights.map((w) => valuesOf(model, w.name));
    const after = process.memoryUsage();
    const peak = process.resourceUsage().maxRSS * 1024;
    tensors.forEach((t, i) => {
      expect(t.length).toBe(perTensor / 4);
      expect([t[0], t[1], t[t.length - 1]]).toEqual([i + 1, 0, -(i + 1)]);
    });
    // One copy of the weights: array-buffer memory grows by the data size, and the process's peak
    // resident size never reaches two copies.
    const held = after.arrayBuffers - before.arrayBuffers;
    console.log(`external data: ${(total / MiB).toFixed(0)} MiB of weights; array buffers +${(held / MiB).toFixed(0)} MiB, peak RSS +${((peak - before.rss) / MiB).toFixed(0)} MiB`);
    expect(held).toBeGreaterThan(total * 0.98);
    expect(held).toBeLessThan(total * 1.05);
    expect(peak - before.rss).toBeLessThan(total * 1.25);
  }, 120_000);
});
