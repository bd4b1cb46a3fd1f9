import { GraphBuilder, type Model } from '@kiln/onnx-tools';
import { describe, expect, it } from 'vitest';
import { collectStatistics, validateBatch } from '../src/index.js';

function twoInputModel(): Model {
  const g = new GraphBuilder('two');
  const a = g.input('a', 'float32', ['N', 4]);
  const b = g.input('b', 'float32', ['N', 4]);
  g.output(g.add(a, b), 'float32');
  return g.toModel({ opset: 13 });
}

const f32 = (dims: number[]) => ({ type: 'float32' as const, dims, data: new Float32Array(dims.reduce((x, y) => x * y, 1)) });

function codeOf(action: () => unknown): { code?: string; message?: string; where?: string; expected?: string; found?: string } {
  try {
    action();
  } catch (error) {
    return error as never;
  }
  return {};
}

describe('loader validation (ERR_CALIB_INPUT)', () => {
  const model = twoInputModel();

  it('accepts a batch that matches', () => {
    expect(() => validateBatch(model, { a: f32([2, 4]), b: f32([2, 4]) }, 0)).not.toThrow();
  });

  it('names a missing input, with the batch index', () => {
    const error = codeOf(() => validateBatch(model, { a: f32([2, 4]) }, 3));
    expect(error).toMatchObject({ code: 'ERR_CALIB_INPUT', where: "batch 3, tensor 'b'", found: 'nothing' });
  });

  it('names an unknown tensor', () => {
    const error = codeOf(() => validateBatch(model, { a: f32([2, 4]), b: f32([2, 4]), c: f32([1]) }, 1));
    expect(error).toMatchObject({ code: 'ERR_CALIB_INPUT', where: "batch 1, tensor 'c'", expected: "inputs 'a', 'b'" });
  });

  it('reports a wrong dtype', () => {
    const b = { type: 'int32' as const, dims: [2, 4], data: new Int32Array(8) };
    expect(codeOf(() => validateBatch(model, { a: f32([2, 4]), b }, 0))).toMatchObject({ code: 'ERR_CALIB_INPUT', expected: 'float32', found: 'int32' });
  });

  it('reports a wrong rank and a wrong fixed dim', () => {
    expect(codeOf(() => validateBatch(model, { a: f32([8]), b: f32([2, 4]) }, 0))).toMatchObject({ code: 'ERR_CALIB_INPUT', expected: 'rank 2 [N, 4]', found: 'rank 1 [8]' });
    expect(codeOf(() => validateBatch(model, { a: f32([2, 5]), b: f32([2, 4]) }, 0))).toMatchObject({ code: 'ERR_CALIB_INPUT', expected: '[N, 4]', found: '[2, 5]' });
  });

  it('reports a symbolic dim that differs between inputs, and a data length that does not match', () => {
    expect(codeOf(() => validateBatch(model, { a: f32([2, 4]), b: f32([3, 4]) }, 0))).toMatchObject({ code: 'ERR_CALIB_INPUT', expected: "N = 2 (as in 'a')" });
    const short = { type: 'float32' as const, dims: [2, 4], data: new Float32Array(7) };
    expect(codeOf(() => validateBatch(model, { a: short, b: f32([2, 4]) }, 0))).toMatchObject({ code: 'ERR_CALIB_INPUT', expected: '8 elements', found: '7' });
  });

  it('rejects a batch that is not a record', () => {
    expect(codeOf(() => validateBatch(model, [f32([2, 4])], 2))).toMatchObject({ code: 'ERR_CALIB_INPUT', where: 'batch 2', found: 'an array' });
  });

  it('collectStatistics: an empty loader is ERR_CALIB_EMPTY, a non-iterable ERR_CALIB_LOADER, a bad batch names its index', async () => {
    await expect(collectStatistics(model, [])).rejects.toMatchObject({ code: 'ERR_CALIB_EMPTY' });
    await expect(collectStatistics(model, (async function* () {})())).rejects.toMatchObject({ code: 'ERR_CALIB_EMPTY' });
    await expect(collectStatistics(model, 42 as never)).rejects.toMatchObject({ code: 'ERR_CALIB_LOADER' });
    const batches: Record<string, ReturnType<typeof f32>>[] = [{ a: f32([2, 4]), b: f32([2, 4]) }, { a: f32([2, 4]) }];
    await expect(collectStatistics(model, batches)).rejects.toMatchObject({ code: 'ERR_CALIB_INPUT', where: "batch 1, tensor 'b'" });
  });

  it('collectStatistics: NaN is ERR_CALIB_NONFINITE; unknown or constant tensors are ERR_CALIB_TENSOR', async () => {
    const nan = { type: 'float32' as const, dims: [1, 4], data: Float32Array.of(0, Number.NaN, 1, 2) };
    await expect(collectStatistics(model, [{ a: nan, b: f32([1, 4]) }])).rejects.toMatchObject({ code: 'ERR_CALIB_NONFINITE', where: "batch 0, tensor 'a', element 1" });
    await expect(collectStatistics(model, [{ a: f32([1, 4]), b: f32([1, 4]) }], { tensors: ['nope'] })).rejects.toMatchObject({ code: 'ERR_CALIB_TENSOR' });
  });
});
