/** Unit tests of per-op shape rules (src/internal/shapes/rules). */
import { KilnError } from '@kiln/common';
import { describe, expect, test } from 'vitest';
import { apply, dimsOf, int, ints, str, t } from './shapes-harness.js';

const f32 = (dims: (number | string)[]) => t('float32', dims);
const i64 = (dims: (number | string)[], value?: (number | string)[]) => t('int64', dims, value);

describe('elementwise broadcasting', () => {
  test('numpy broadcasting of concrete shapes', () => {
    expect(dimsOf('Add', [f32([2, 1, 4]), f32([3, 1])])).toEqual([2, 3, 4]);
    expect(dimsOf('Mul', [f32([]), f32([5])])).toEqual([5]);
  });
  test('symbolic dims: 1 broadcasts, equal symbols match, a known extent wins', () => {
    expect(dimsOf('Add', [f32(['N', 1, 'S']), f32([1, 8, 'S'])])).toEqual(['N', 8, 'S']);
    expect(dimsOf('Add', [f32(['N', 3]), f32([5, 3])])).toEqual([5, 3]);
  });
  test('two different symbols give a fresh symbol', () => {
    expect(dimsOf('Sub', [f32(['A']), f32(['B'])])).toEqual(['unk__0']);
  });
  test('incompatible extents throw ERR_SHAPE_INFERENCE naming the node', () => {
    expect(() => apply('Add', [f32([2, 3]), f32([4, 3])])).toThrowError(/Add 'n0': shapes cannot be broadcast/);
  });
  test('comparisons give bool, Where takes the branch type', () => {
    expect(apply('Less', [f32([2]), f32([2])])[0]?.type).toBe('bool');
    expect(apply('Where', [t('bool', [2, 1]), i64([1, 3]), i64([])])[0]).toEqual({ type: 'int64', dims: [2, 3] });
  });
  test('Cast takes the `to` type; unary ops keep shape and type', () => {
    expect(apply('Cast', [f32(['N'])], { attributes: { to: int(7) } })[0]).toEqual({ type: 'int64', dims: ['N'] });
    expect(apply('Relu', [f32(['N', 4])])[0]).toEqual({ type: 'float32', dims: ['N', 4] });
    expect(apply('Clip', [t('int8', [3]), t('int8', []), undefined])[0]).toEqual({ type: 'int8', dims: [3] });
  });
});

describe('MatMul and Gemm', () => {
  test('batched broadcasting and 1-D promotion', () => {
    expect(dimsOf('MatMul', [f32(['B', 4, 'S', 64]), f32(['B', 4, 64, 'S'])])).toEqual(['B', 4, 'S', 'S']);
    expect(dimsOf('MatMul', [f32([2, 1, 3, 4]), f32([5, 4, 6])])).toEqual([2, 5, 3, 6]);
    expect(dimsOf('MatMul', [f32([4]), f32([2, 4, 6])])).toEqual([2, 6]);
    expect(dimsOf('MatMul', [f32([3, 4]), f32([4])])).toEqual([3]);
    expect(dimsOf('MatMul', [f32([4]), f32([4])])).toEqual([]);
  });
  test('inner dimension mismatch names node, expected and found', () => {
    try {
      apply('MatMul', [f32([2, 256]), f32([128, 4])]);
      expect.unreachable();
    } catch (error) {
      expect(KilnError.isInstance(error, 'ERR_SHAPE_INFERENCE')).toBe(true);
      const e = error as KilnError;
      expect(e.message).toMatch(/^MatMul 'n0': inner dimensions differ/);
      expect(e.expected).toBe('256');
      expect(e.found).toMatch(/^128/);
    }
  });
  test('Gemm with transposes', () => {
    expect(dimsOf('Gemm', [f32([4, 'N']), f32([10, 4]), f32([10])], { attributes: { transA: int(1), transB: int(1) } })).toEqual(['N', 10]);
  });
});

describe('convolution and pooling', () => {
  test('Conv with pads, strides, dilations', () => {
    const attributes = { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) };
    expect(dimsOf('Conv', [f32(['N', 3, 224, 224]), f32([32, 3, 3, 3])], { attributes })).toEqual(['N', 32, 112, 112]);
    expect(dimsOf('Conv', [f32([1, 1, 7, 7]), f32([1, 1, 3, 3])], { attributes: { dilations: ints([2, 2]) } })).toEqual([1, 1, 3, 3]);
  });
  test('Conv keeps symbolic spatial dims as expressions', () => {
    expect(dimsOf('Conv', [f32([1, 3, 'H', 'W']), f32([8, 3, 3, 3])], { attributes: { pads: ints([1, 1, 1, 1]) } })).toEqual([1, 8, 'H', 'W']);
    expect(dimsOf('Conv', [f32([1, 3, 'H', 'W']), f32([8, 3, 1, 1])], { attributes: { strides: ints([2, 2]) } })).toEqual([
      1,
      8,
      'floor((H-1)/2)+1',
      'floor((W-1)/2)+1',
    ]);
  });
  test('Conv auto_pad SAME_UPPER and group channel check', () => {
    expect(dimsOf('Conv', [f32([1, 4, 5, 5]), f32([4, 1, 3, 3])], { attributes: { auto_pad: str('SAME_UPPER'), group: int(4), strides: ints([2, 2]) } })).toEqual([1, 4, 3, 3]);
    expect(() => apply('Conv', [f32([1, 4, 5, 5]), f32([4, 2, 3, 3])])).toThrowError(/input channels/);
  });
  test('ConvTranspose output size and output_shape', () => {
    expect(dimsOf('ConvTranspose', [f32([1, 1, 3, 3]), f32([1, 2, 3, 3])], { attributes: { strides: ints([3, 2]), output_padding: ints([1, 1]) } })).toEqual([1, 2, 10, 8]);
    expect(dimsOf('ConvTranspose', [f32([1, 1, 3, 3]), f32([1, 2, 3, 3])], { attributes: { output_shape: ints([10, 8]) } })).toEqual([1, 2, 10, 8]);
  });
  test('MaxPool ceil mode drops a window that starts in the right padding', () => {
    const attributes = { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1) };
    expect(dimsOf('MaxPool', [f32([1, 1, 4, 4])], { attributes })).toEqual([1, 1, 2, 2]);
    expect(apply('MaxPool', [f32([1, 1, 4, 4])], { attributes, outputCount: 2 })[1]?.type).toBe('int64');
  });
  test('GlobalAveragePool', () => {
    expect(dimsOf('GlobalAveragePool', [f32(['N', 1280, 7, 7])])).toEqual(['N', 1280, 1, 1]);
  });
});

describe('normalization', () => {
  test('BatchNormalization training outputs and LayerNormalization statistics', () => {
    const bn = apply('BatchNormalization', [f32(['N', 8, 4]), f32([8]), f32([8]), f32([8]), f32([8])], { outputCount: 3 });
    expect(bn.map((o) => o.dims)).toEqual([['N', 8, 4], [8], [8]]);
    const ln = apply('LayerNormalization', [f32(['B', 'S', 256]), f32([256])], { outputCount: 3, attributes: { axis: int(-1) } });
    expect(ln.map((o) => o.dims)).toEqual([['B', 'S', 256], ['B', 'S', 1], ['B', 'S', 1]]);
  });
  test('Softmax keeps its input shape', () => {
    expect(dimsOf('Softmax', [f32(['B', 4, 'S', 'S'])])).toEqual(['B', 4, 'S', 'S']);
  });
});
