import { Constant, GraphBuilder, type Tensor, evaluate, save } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { EntropyCalibrator2, MinMaxCalibrator, PercentileCalibrator, calibrate, quantizeModel } from '../src/index.js';
import { weightAxis } from '../src/internal/qdq.js';
import { quantizeWeights } from '../src/internal/weights.js';
import { convNet, cosine, images, ortInt8Exact, testSeed } from './helpers.js';

const seed = testSeed('qdq.test.ts');

async function loadOrt(): Promise<typeof import('onnxruntime-node') | undefined> {
  try {
    return await import('onnxruntime-node');
  } catch {
    return undefined;
  }
}

describe('weight quantization', () => {
  it('per channel: scale = amax_c / 127, values rounded half to even and within ±127', () => {
    const w: Tensor<'float32'> = { type: 'float32', dims: [2, 3], data: Float32Array.of(1.27, -0.635, 0.005, 0, 0, 0) };
    const q = quantizeWeights(w, 0);
    expect([...q.scales]).toEqual([Math.fround(1.27 / 127), 2 ** -126]);
    expect([...q.values.data]).toEqual([127, -64, 0, 0, 0, 0]); // −63.5 → −64 (half to even)
    const perTensor = quantizeWeights(w, undefined);
    expect(perTensor.scales.length).toBe(1);
  });

  it('axis: Conv 0, MatMul last, Gemm by transB', () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', [1, 4]);
    const b = g.floats(new Array(8).fill(1), [4, 2]);
    g.matMul(x, b);
    g.gemm(x, b, undefined, { transB: 1 });
    g.gemm(x, b);
    const [matmul, gemmT, gemm] = g.graph.nodes as [never, never, never];
    expect([weightAxis(matmul, 2), weightAxis(gemmT, 2), weightAxis(gemm, 2), weightAxis(matmul, 3)]).toEqual([1, 0, 1, 2]);
  });
});

describe('quantizeModel', () => {
  const model = convNet(seed);
  const batches = images(seed + 1, 240, 16);

  it('writes QDQ: int8 per-channel weights behind DequantizeLinear, Q/DQ on activations, the float model untouched', async () => {
    const { scales } = await calibrate(model, { calibrator: new MinMaxCalibrator(), loader: batches.slice(0, 2) });
    const before = save(model);
    const qdq = await quantizeModel(model, scales, { ops: ['Conv', 'Gemm', 'Add'] });
    expect(save(model)).toEqual(before);
    const ops = qdq.graph.nodes.map((n) => n.op);
    const dequantizeWeights = qdq.graph.nodes.filter((n) => n.op === 'DequantizeLinear' && n.inputs[0] instanceof Constant);
    expect(dequantizeWeights.map((n) => [n.inputs[0]?.dtype, n.attributes.get('axis')])).toEqual([
      ['int8', { type: 'int', value: 0 }], ['int8', { type: 'int', value: 0 }], ['int8', { type: 'int', value: 0 }],
    ]);
    // Activations: x, conv0 out, maxpool out (Conv and Add input), conv1 out, add out, flatten out; the
    // graph output (gemm out) stays float: its pair has no consumer and is cleaned up.
    expect(ops.filter((op) => op === 'QuantizeLinear')).toHaveLength(6);
    expect(qdq.graph.outputs[0]?.producer?.op).toBe('Gemm');
    expect(qdq.graph.initializers.filter((c) => c.dtype === 'float32' && c.shape.length >= 2)).toHaveLength(0);
    const conv = qdq.graph.nodes.find((n) => n.op === 'Conv');
    expect(conv?.inputs[0]?.producer?.op).toBe('DequantizeLinear');
    expect(conv?.inputs[1]?.producer?.op).toBe('DequantizeLinear');
    expect(conv?.outputs[0]?.consumers.map((n) => n.op)).toEqual(['QuantizeLinear']);
  });

  it('a missing scale, a bad op and an old opset are coded errors', async () => {
    await expect(quantizeModel(model, new Map())).rejects.toMatchObject({ code: 'ERR_CALIB_QUANTIZE', where: expect.stringContaining('Conv') });
    await expect(quantizeModel(model, new Map(), { ops: ['Relu' as never] })).rejects.toMatchObject({ code: 'ERR_CALIB_OPTIONS' });
    await expect(quantizeModel(convNet(seed, 11), new Map())).rejects.toMatchObject({ code: 'ERR_CALIB_QUANTIZE', expected: 'opset ≥ 13' });
  });

  for (const calibrator of [new EntropyCalibrator2(), new MinMaxCalibrator(), new PercentileCalibrator({ percentile: 99.99 })]) {
    it(`end to end with ${calibrator.algorithm}: 240 structured inputs, the Q/DQ model tracks the float model (cosine > 0.99)`, { timeout: 120_000 }, async () => {
      const { scales, statistics } = await calibrate(model, { calibrator, loader: batches });
      expect(statistics?.get('x')?.count).toBe(240 * 192);
      expect(scales.size).toBe(model.graph.nodes.length + 1);
      const qdq = await quantizeModel(model, scales, { ops: ['Conv', 'Gemm', 'Add', 'MaxPool'] });
      const expected: number[] = [];
      const actual: number[] = [];
      for (const batch of batches.slice(0, 5)) {
        expected.push(...((await evaluate(model, batch)).gemm_out0?.data as Float32Array));
        actual.push(...((await evaluate(qdq, batch)).gemm_out0?.data as Float32Array));
      }
      const similarity = cosine(actual, expected);
      console.log(`${calibrator.algorithm}: cosine ${similarity.toFixed(6)} over ${expected.length} logits`);
      expect(similarity).toBeGreaterThan(0.99);
    });
  }

  it('onnxruntime-node accepts and runs the Q/DQ model, close to the reference evaluator', async (context) => {
    const ort = await loadOrt();
    if (!ort) return context.skip();
    const { scales } = await calibrate(model, { calibrator: new EntropyCalibrator2(), loader: batches.slice(0, 4) });
    const qdq = await quantizeModel(model, scales, { ops: ['Conv', 'Gemm', 'Add', 'MaxPool'] });
    const session = await ort.InferenceSession.create(save(qdq));
    const batch = batches[0] as Record<string, Tensor>;
    const x = batch.x as Tensor<'float32'>;
    const result = await session.run({ x: new ort.Tensor('float32', x.data, x.dims as number[]) });
    const theirs = result[session.outputNames[0] as string]?.data as Float32Array;
    const ours = (await evaluate(qdq, batch)).gemm_out0?.data as Float32Array;
    expect(theirs.length).toBe(ours.length);
    // Where onnxruntime's int8 GEMM saturates (no VNNI), it runs the model but is no oracle.
    expect(cosine(theirs, ours)).toBeGreaterThan(ortInt8Exact() ? 0.999 : 0.9);
  });
});
