/** Shape-manipulating ops and symbolic value propagation. */
import { describe, expect, test } from 'vitest';
import type { AttributeValue } from '../src/internal/attribute.js';
import { Constant, Graph, Model, Node, Variable } from '../src/internal/ir/index.js';
import { inferShapes } from '../src/internal/shapes/index.js';
import { apply, dimsOf, int, ints, t } from './shapes-harness.js';

const f32 = (dims: (number | string)[]) => t('float32', dims);
const i64 = (dims: (number | string)[], value?: (number | string)[]) => t('int64', dims, value);

describe('Reshape', () => {
  test('-1 is inferred, 0 copies the input dim', () => {
    expect(dimsOf('Reshape', [f32([2, 3, 4]), i64([3], [0, -1, 2])])).toEqual([2, 6, 2]);
    expect(dimsOf('Reshape', [f32(['B', 'S', 256]), i64([4], [0, 0, 4, -1])])).toEqual(['B', 'S', 4, 64]);
    expect(dimsOf('Reshape', [f32(['B', 4, 'S', 64]), i64([3], ['B', -1, 64])])).toEqual(['B', '4*S', 64]);
  });
  test('allowzero keeps a literal 0 (opset 14+)', () => {
    expect(dimsOf('Reshape', [f32([0, 3, 4]), i64([3], [3, 4, 0])], { attributes: { allowzero: int(1) } })).toEqual([3, 4, 0]);
  });
  test('element count mismatch is an error', () => {
    expect(() => apply('Reshape', [f32([2, 3]), i64([2], [4, 2])])).toThrowError(/element counts differ/);
  });
  test('unknown target of known length gives fresh dims', () => {
    expect(dimsOf('Reshape', [f32([2, 3]), i64([2])])).toEqual(['unk__0', 'unk__1']);
  });
});

describe('Concat, Gather, Split, Slice', () => {
  test('Concat adds symbolic extents along the axis and concatenates values', () => {
    expect(dimsOf('Concat', [f32(['N', 3]), f32(['M', 3]), f32([2, 3])], { attributes: { axis: int(0) } })).toEqual(['M+N+2', 3]);
    const out = apply('Concat', [i64([1], ['B']), i64([1], ['S']), i64([2], [-1, 64])], { attributes: { axis: int(0) } });
    expect(out[0]).toEqual({ type: 'int64', dims: [4], value: ['B', 'S', -1, 64] });
  });
  test('Gather picks symbolic values and shapes', () => {
    expect(apply('Gather', [i64([4], ['N', 3, 224, 224]), i64([], [0])], { attributes: { axis: int(0) } })[0]).toEqual({ type: 'int64', dims: [], value: ['N'] });
    expect(dimsOf('Gather', [f32([30522, 256]), t('int64', ['B', 'S'])])).toEqual(['B', 'S', 256]);
  });
  test('Split: attribute before opset 13, input from 13, num_outputs from 18', () => {
    const x = f32([2, 6]);
    expect(apply('Split', [x], { opset: 11, outputCount: 2, attributes: { axis: int(1), split: ints([2, 4]) } }).map((o) => o.dims)).toEqual([[2, 2], [2, 4]]);
    expect(apply('Split', [x, i64([2], [1, 5])], { opset: 13, outputCount: 2, attributes: { axis: int(1) } }).map((o) => o.dims)).toEqual([[2, 1], [2, 5]]);
    expect(apply('Split', [f32([7])], { opset: 18, outputCount: 3, attributes: { num_outputs: int(3) } }).map((o) => o.dims)).toEqual([[3], [3], [1]]);
  });
  test('Slice clamps, handles negatives and steps', () => {
    const x = f32([20, 10, 5]);
    expect(dimsOf('Slice', [x, i64([2], [0, 0]), i64([2], [3, 10]), i64([2], [0, 1]), i64([2], [1, 1])])).toEqual([3, 10, 5]);
    expect(dimsOf('Slice', [x, i64([1], [1000]), i64([1], [1001]), i64([1], [1])])).toEqual([20, 0, 5]);
    expect(dimsOf('Slice', [x, i64([3], [20, 10, 4]), i64([3], [0, 0, 1]), i64([3], [0, 1, 2]), i64([3], [-1, -3, -2])])).toEqual([19, 3, 2]);
    expect(dimsOf('Slice', [f32(['S', 8]), i64([1], [1]), i64([1], [2 ** 62])])).toEqual(['S-1', 8]);
    expect(dimsOf('Slice', [f32([512, 8]), i64([1], [0]), i64([1], ['S'])])).toEqual(['S', 8]);
  });
  test('Slice of a shape value slices the value', () => {
    expect(apply('Slice', [i64([4], ['N', 3, 'H', 'W']), i64([1], [2]), i64([1], [4])])[0]?.value).toEqual(['H', 'W']);
  });
});

describe('Squeeze, Unsqueeze, Flatten, Transpose, Expand', () => {
  test('axes as attribute before opset 13 and as input from 13', () => {
    expect(dimsOf('Unsqueeze', [f32([3, 4])], { opset: 11, attributes: { axes: ints([0, -1]) } })).toEqual([1, 3, 4, 1]);
    expect(dimsOf('Unsqueeze', [f32([3, 4]), i64([1], [1])], { opset: 13 })).toEqual([3, 1, 4]);
    expect(dimsOf('Squeeze', [f32([1, 'N', 1])], { opset: 11, attributes: { axes: ints([0]) } })).toEqual(['N', 1]);
    expect(dimsOf('Squeeze', [f32([1, 'N', 1])], { opset: 13 })).toEqual(['N']);
    expect(() => apply('Squeeze', [f32([2, 3]), i64([1], [0])])).toThrowError(/cannot squeeze/);
  });
  test('Unsqueeze passes a scalar shape value through', () => {
    expect(apply('Unsqueeze', [i64([], ['S']), i64([1], [0])])[0]).toEqual({ type: 'int64', dims: [1], value: ['S'] });
  });
  test('Flatten and Transpose', () => {
    expect(dimsOf('Flatten', [f32(['N', 512, 13, 13])])).toEqual(['N', 86528]);
    expect(dimsOf('Flatten', [f32(['N', 3, 4])], { attributes: { axis: int(-1) } })).toEqual(['3*N', 4]);
    expect(dimsOf('Flatten', [f32([2, 3])], { attributes: { axis: int(0) } })).toEqual([1, 6]);
    expect(dimsOf('Transpose', [f32(['B', 'S', 4, 64])], { attributes: { perm: ints([0, 2, 1, 3]) } })).toEqual(['B', 4, 'S', 64]);
    expect(dimsOf('Transpose', [f32([1, 2, 3])])).toEqual([3, 2, 1]);
  });
  test('Expand broadcasts with the target shape value', () => {
    expect(dimsOf('Expand', [f32([3, 1]), i64([3], [2, 1, 6])])).toEqual([2, 3, 6]);
    expect(dimsOf('Expand', [f32(['B', 1, 1, 'S']), i64([4], ['B', 1, 'S', 'S'])])).toEqual(['B', 1, 'S', 'S']);
  });
});

describe('Shape, Reduce, Range, ConstantOfShape', () => {
  test('Shape with start/end yields symbolic values', () => {
    expect(apply('Shape', [f32(['N', 3, 224, 224])])[0]).toEqual({ type: 'int64', dims: [4], value: ['N', 3, 224, 224] });
    expect(apply('Shape', [f32(['N', 3, 224, 224])], { attributes: { start: int(-2) } })[0]?.value).toEqual([224, 224]);
    expect(apply('Shape', [f32([1, 2, 3])], { attributes: { start: int(2), end: int(1) } })[0]?.dims).toEqual([0]);
  });
  test('Reduce: axes attribute vs input by opset, keepdims, noop_with_empty_axes', () => {
    const x = f32(['N', 4, 5]);
    expect(dimsOf('ReduceMean', [x], { opset: 17, attributes: { axes: ints([1]) } })).toEqual(['N', 1, 5]);
    expect(dimsOf('ReduceMean', [x, i64([1], [-1])], { opset: 18, attributes: { keepdims: int(0) } })).toEqual(['N', 4]);
    expect(dimsOf('ReduceSum', [x], { opset: 13 })).toEqual([1, 1, 1]);
    expect(dimsOf('ReduceSum', [x], { opset: 13, attributes: { noop_with_empty_axes: int(1) } })).toEqual(['N', 4, 5]);
  });
  test('Range and ConstantOfShape', () => {
    expect(apply('Range', [i64([], [0]), i64([], ['S']), i64([], [1])])[0]?.dims).toEqual(['S']);
    expect(apply('Range', [i64([], [1]), i64([], [10]), i64([], [3])])[0]).toEqual({ type: 'int64', dims: [3], value: [1, 4, 7] });
    expect(apply('ConstantOfShape', [i64([2], ['B', 'S'])])[0]).toEqual({ type: 'float32', dims: ['B', 'S'] });
  });
});

describe('the Shape → Gather → Unsqueeze → Concat → Reshape chain through inferShapes', () => {
  const axis0 = () => new Map<string, AttributeValue<Graph>>([['axis', { type: 'int', value: 0 }]]);

  function int64(name: string, values: number[], dims: number[] = [values.length]): Constant {
    return new Constant(name, { type: 'int64', dims, data: new BigInt64Array(values.map(BigInt)) });
  }

  test('reshape to [batch, seq, heads, head size] stays symbolic', () => {
    const graph = new Graph('chain');
    const x = new Variable('x', 'float32', ['batch', 'seq', 256]);
    graph.inputs = [x];
    const shape = new Variable('shape');
    const b = new Variable('b');
    const s = new Variable('s');
    const bu = new Variable('bu');
    const su = new Variable('su');
    const target = new Variable('target');
    const y = new Variable('y');
    const zero = int64('zero', [0], []);
    const one = int64('one', [1], []);
    const axes = int64('axes', [0]);
    const tail = int64('tail', [4, 64]);
    graph.initializers = [zero, one, axes, tail];
    graph.nodes = [
      new Node({ op: 'Shape', name: 'shape', inputs: [x], outputs: [shape] }),
      new Node({ op: 'Gather', name: 'g0', inputs: [shape, zero], outputs: [b], attributes: axis0() }),
      new Node({ op: 'Gather', name: 'g1', inputs: [shape, one], outputs: [s], attributes: axis0() }),
      new Node({ op: 'Unsqueeze', name: 'u0', inputs: [b, axes], outputs: [bu] }),
      new Node({ op: 'Unsqueeze', name: 'u1', inputs: [s, axes], outputs: [su] }),
      new Node({ op: 'Concat', name: 'cat', inputs: [bu, su, tail], outputs: [target], attributes: axis0() }),
      new Node({ op: 'Reshape', name: 'reshape', inputs: [x, target], outputs: [y] }),
    ];
    graph.outputs = [y];
    const model = new Model(graph);
    model.opsetImports.set('', 17);
    const result = inferShapes(model);
    expect(y.shape).toEqual(['batch', 'seq', 4, 64]);
    expect(y.dtype).toBe('float32');
    expect(result.shapeValues.get('target')).toEqual(['batch', 'seq', 4, 64]);
    expect(target.shape).toEqual([4]);
    expect(result.warnings).toEqual([]);
    expect(graph.valueInfo.map((v) => v.name)).toEqual(['shape', 'b', 's', 'bu', 'su', 'target']);
  });

  test('inputShapes overrides the declared input shape; unknown ops warn unless strict', () => {
    const graph = new Graph('g');
    const x = new Variable('x', 'float32', ['N', 8]);
    const y = new Variable('y');
    const z = new Variable('z');
    graph.inputs = [x];
    graph.nodes = [new Node({ op: 'Relu', name: 'r', inputs: [x], outputs: [y] }), new Node({ op: 'Frobnicate', name: 'f', domain: 'example', inputs: [y], outputs: [z] })];
    graph.outputs = [z];
    const model = new Model(graph);
    model.opsetImports.set('', 17);
    const { warnings } = inferShapes(model, { inputShapes: { x: [4, 8] } });
    expect(y.shape).toEqual([4, 8]);
    expect(z.shape).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/no shape inference rule for example.Frobnicate/);
    expect(() => inferShapes(model, { strict: true })).toThrowError(/Frobnicate 'f'/);
  });
});
