// Ops with native kernels lower to them (no reference layer left) and match the reference
// evaluator: one small network per op, built with the default config, run once.
import type { AttributeValue, Graph, Tensor, TensorType } from '@kiln/onnx-tools';
import { Node, Variable, evaluate, load, save } from '@kiln/onnx-tools';
import { Runtime } from '@kiln/runtime';
import { describe, expect, it } from 'vitest';
import { BuilderConfig, NetworkDefinition, buildSerializedNetwork } from '../src/index.js';
import { closeTo, seeded } from './helpers.js';

type Operand = { dtype: TensorType; dims: number[]; constant?: Tensor };
interface Case {
  op: string;
  operands: Operand[];
  attributes?: Record<string, AttributeValue<Graph>>;
  /** The tactic family expected for the op's layer. */
  family: string;
  /** Value range for random float inputs. */
  range?: number;
  opset?: number;
  /** Number of outputs (all compared). */
  outputs?: number;
}

const f32 = (...dims: number[]): Operand => ({ dtype: 'float32', dims });
const bool = (...dims: number[]): Operand => ({ dtype: 'bool', dims });
const i64 = (...dims: number[]): Operand => ({ dtype: 'int64', dims });
const int64s = (values: number[]): Operand => ({ dtype: 'int64', dims: [values.length], constant: { type: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) } });
const floats = (values: number[]): Operand => ({ dtype: 'float32', dims: [values.length], constant: { type: 'float32', dims: [values.length], data: Float32Array.from(values) } });
const weights = (...dims: number[]): Operand => {
  const next = seeded(dims.reduce((a, b) => a * 31 + b, 7));
  const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => next() * 2 - 1);
  return { dtype: 'float32', dims, constant: { type: 'float32', dims, data } };
};
const ints = (value: number[]): AttributeValue<Graph> => ({ type: 'ints', value });
const none = undefined as unknown as Operand;
const str = (value: string): AttributeValue<Graph> => ({ type: 'string', value });
const float = (value: number): AttributeValue<Graph> => ({ type: 'float', value });
const int = (value: number): AttributeValue<Graph> => ({ type: 'int', value });

const CASES: Case[] = [
  { op: 'Equal', operands: [f32(3, 17), f32(17)], family: 'x_compare_equal' },
  { op: 'Equal', operands: [i64(2, 5), i64(2, 1)], family: 'x_compare_equal' },
  { op: 'Less', operands: [f32(4, 1, 9), f32(3, 1)], family: 'x_compare_less' },
  { op: 'LessOrEqual', operands: [f32(33), f32(33)], family: 'x_compare_less_equal' },
  { op: 'Greater', operands: [f32(2, 65), f32(1)], family: 'x_compare_greater' },
  { op: 'GreaterOrEqual', operands: [i64(7), i64(7)], family: 'x_compare_greater_equal' },
  { op: 'And', operands: [bool(2, 3, 17), bool(3, 1)], family: 'x_logical_and' },
  { op: 'Or', operands: [bool(40), bool(40)], family: 'x_logical_or' },
  { op: 'Xor', operands: [bool(1, 9), bool(5, 1)], family: 'x_logical_xor' },
  { op: 'Not', operands: [bool(3, 33)], family: 'x_logical_not' },
  { op: 'IsNaN', operands: [f32(4, 10)], family: 'f32_isnan' },
  { op: 'IsInf', operands: [f32(4, 10)], attributes: { detect_negative: int(0) }, family: 'f32_isinf' },
  { op: 'Where', operands: [bool(2, 1, 17), f32(3, 17), f32(1)], family: 'x_where' },
  { op: 'Where', operands: [bool(5, 1), i64(1, 6), i64(5, 6)], family: 'x_where' },
  { op: 'Expand', operands: [f32(3, 1), int64s([2, 3, 7])], family: 'x_expand' },
  { op: 'Tile', operands: [f32(2, 3), int64s([3, 2])], family: 'x_tile' },
  ...['Floor', 'Ceil', 'Round', 'Sign', 'Sin', 'Cos', 'Softplus', 'Softsign'].map((op): Case => ({ op, operands: [f32(3, 37)], family: 'f32_vunary', range: 6 })),
  { op: 'Mish', operands: [f32(3, 37)], family: 'f32_vunary', opset: 18 },
  { op: 'Elu', operands: [f32(3, 37)], attributes: { alpha: float(0.5) }, family: 'f32_vunary' },
  { op: 'Selu', operands: [f32(3, 37)], family: 'f32_vunary' },
  { op: 'ThresholdedRelu', operands: [f32(3, 37)], attributes: { alpha: float(0.25) }, family: 'f32_vunary' },
  { op: 'BatchNormalization', operands: [f32(2, 3, 5, 7), floats([1, 2, 0.5]), floats([0, 1, -1]), floats([0.1, -0.2, 0.3]), floats([1, 0.5, 2])], family: 'f32_batchnorm' },
  { op: 'InstanceNormalization', operands: [f32(2, 3, 17), floats([1, 2, 0.5]), floats([0, 1, -1])], attributes: { epsilon: float(1e-3) }, family: 'f32_instancenorm' },
  ...['constant', 'reflect', 'edge'].map((mode): Case => ({ op: 'Pad', operands: [f32(1, 2, 4, 5), int64s([0, 0, 1, 3, 0, 0, 2, 1]), floats([0.5])], attributes: { mode: str(mode) }, family: 'x_pad' })),
  { op: 'Pad', operands: [f32(3, 4), int64s([2, -1]), none, int64s([1])], attributes: { mode: str('wrap') }, family: 'x_pad', opset: 19 },
  { op: 'Split', operands: [f32(2, 9, 3), int64s([2, 7])], attributes: { axis: int(1) }, family: 'x_split', outputs: 2 },
  { op: 'Resize', operands: [f32(1, 2, 5, 7), none, floats([1, 1, 2, 1.5])], attributes: { mode: str('linear') }, family: 'f32_resize' },
  { op: 'Resize', operands: [f32(2, 1, 6, 6), none, none, int64s([2, 1, 4, 9])], attributes: { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') }, family: 'f32_resize' },
  { op: 'Resize', operands: [f32(1, 3, 4, 4), none, floats([1, 1, 0.5, 0.5])], attributes: { mode: str('linear'), coordinate_transformation_mode: str('align_corners') }, family: 'f32_resize' },
  { op: 'ConvTranspose', operands: [f32(1, 4, 5, 6), weights(4, 3, 3, 3), floats([0.1, -0.2, 0.3])], attributes: { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, family: 'f32_deconv' },
  { op: 'ConvTranspose', operands: [f32(2, 6, 3, 4), weights(6, 2, 2, 3)], attributes: { group: int(2), strides: ints([2, 1]), output_padding: ints([1, 0]) }, family: 'f32_deconv' },
  { op: 'ConvTranspose', operands: [f32(1, 2, 4, 4), weights(2, 5, 3, 3)], attributes: { strides: ints([2, 2]), output_shape: ints([8, 8]) }, family: 'f32_deconv' },
  { op: 'ConvTranspose', operands: [f32(1, 2, 4, 4), weights(2, 5, 3, 3)], attributes: { strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }, family: 'f32_deconv' },
  { op: 'ConvTranspose', operands: [f32(1, 3, 4, 5), f32(3, 2, 3, 3)], attributes: { dilations: ints([2, 1]) }, family: 'f32_deconv_direct' },
  { op: 'LSTM', operands: [f32(5, 2, 3), weights(1, 16, 3), weights(1, 16, 4), weights(1, 32)], attributes: { hidden_size: int(4) }, family: 'f32_lstm', outputs: 3 },
  { op: 'GRU', operands: [f32(4, 3, 5), weights(2, 18, 5), weights(2, 18, 6), weights(2, 36)], attributes: { hidden_size: int(6), direction: str('bidirectional'), linear_before_reset: int(1) }, family: 'f32_gru', outputs: 2 },
  { op: 'GRU', operands: [f32(6, 1, 4), f32(1, 9, 4), f32(1, 9, 3)], attributes: { hidden_size: int(3), direction: str('reverse') }, family: 'f32_gru' },
  { op: 'LSTM', operands: [f32(2, 5, 3), weights(2, 16, 3), weights(2, 16, 4), weights(2, 32)], attributes: { hidden_size: int(4), layout: int(1), direction: str('bidirectional') }, family: 'f32_lstm', outputs: 3 },
  { op: 'GRU', operands: [f32(3, 4, 2), weights(1, 15, 2), weights(1, 15, 5), none, none, f32(3, 1, 5)], attributes: { hidden_size: int(5), layout: int(1) }, family: 'f32_gru', outputs: 2 },
];

function randomTensor(operand: Operand, seed: number, range: number): Tensor {
  const next = seeded(seed);
  const n = operand.dims.reduce((a, b) => a * b, 1);
  const small = () => Math.floor(next() * 5) - 2;
  if (operand.dtype === 'bool') return { type: 'bool', dims: operand.dims, data: Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0)) };
  if (operand.dtype === 'int64') return { type: 'int64', dims: operand.dims, data: BigInt64Array.from({ length: n }, () => BigInt(small())) };
  // Floats: half small integers (ties for comparisons), some NaN / infinity, the rest spread out.
  const data = Float32Array.from({ length: n }, () => {
    const r = next();
    return r < 0.04 ? Number.NaN : r < 0.08 ? -Infinity : r < 0.1 ? Infinity : r < 0.5 ? small() : (next() * 2 - 1) * range;
  });
  return { type: 'float32', dims: operand.dims, data };
}

/** Same dtype and shape; floats: NaN matches NaN, infinities exactly, finite values within atol + rtol·|expected|. */
function expectSame(mine: Tensor, theirs: Tensor, name: string): void {
  expect(mine.type, name).toBe(theirs.type);
  expect(mine.dims, name).toEqual(theirs.dims);
  if (theirs.type !== 'float32') {
    expect(Array.from(mine.data as ArrayLike<unknown>), name).toEqual(Array.from(theirs.data as ArrayLike<unknown>));
    return;
  }
  const finite = (t: Tensor) => ({ ...t, data: Float32Array.from(t.data as Float32Array, (v) => (Number.isFinite(v) ? v : 0)) });
  const a = mine.data as Float32Array;
  const b = theirs.data as Float32Array;
  const special = b.findIndex((v, i) => !Number.isFinite(v) && !Object.is(v, a[i]) && !(Number.isNaN(v) && Number.isNaN(a[i]!)));
  expect(special, `${name}: non-finite value differs at ${special}: ${a[special]} vs ${b[special]}`).toBe(-1);
  const result = closeTo(finite(mine), finite(theirs), 1e-5, 1e-4);
  expect(result.ok, `${name}: ${result.message}`).toBe(true);
}

async function buildAndCompare(c: Case, seed: number): Promise<{ tactics: string[] }> {
  const network = new NetworkDefinition();
  if (c.opset !== undefined) network.model.opsetImports.set('', c.opset);
  const feeds: Record<string, Tensor> = {};
  const inputs = c.operands.map((operand, i) => {
    if (operand === undefined) return undefined;
    if (operand.constant) return network.addConstant(operand.constant);
    const name = `in${i}`;
    feeds[name] = randomTensor(operand, seed + i, c.range ?? 4);
    // Infinities and NaN only where the op passes them through or tests for them.
    if (!/^(x_|f32_is)/.test(c.family) && operand.dtype === 'float32') (feeds[name].data as Float32Array).forEach((v, j, a) => (a[j] = Number.isFinite(v) ? v : 0.5));
    return network.addInput(name, operand.dtype, operand.dims);
  });
  const outputs = Array.from({ length: c.outputs ?? 1 }, (_, k) => new Variable(`${c.op}_output${k}`));
  network.graph.addNode(new Node({ op: c.op, name: c.op.toLowerCase(), inputs, outputs, attributes: new Map(Object.entries(c.attributes ?? {})) }));
  outputs.forEach((output, k) => network.markOutput(output, k === 0 ? 'y' : `y${k}`));
  const engine = new Runtime().deserializeEngine(await buildSerializedNetwork(network, new BuilderConfig()));
  const tactics = engine.inspect().layers.map((layer) => layer.tactic);
  const mineAll = await engine.createExecutionContext().run(feeds);
  const theirsAll = await evaluate(await load(save(network.model)), feeds);
  for (let k = 0; k < (c.outputs ?? 1); k++) {
    const name = k === 0 ? 'y' : `y${k}`;
    expectSame(mineAll[name]!, theirsAll[name]!, name);
  }
  return { tactics };
}

describe('native lowering of elementwise, logical, normalization, data-movement, ConvTranspose and recurrent ops', () => {
  it.each(CASES.map((c, i) => ({ ...c, seed: 1000 + i * 10, label: `${c.op} ${c.operands.map((o) => (o ? `${o.dtype}[${o.dims}]` : '-')).join(' ')}` })))('$label', async (c) => {
    const { tactics } = await buildAndCompare(c, c.seed);
    expect(tactics).not.toContain('reference');
    expect(tactics.some((tactic) => tactic.startsWith(`${c.family}__`) || tactic.startsWith(`${c.family}_`)), tactics.join(', ')).toBe(true);
  });
});
