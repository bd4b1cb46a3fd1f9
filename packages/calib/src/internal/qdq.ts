// The Q/DQ writer: QuantizeLinear/DequantizeLinear pairs in onnxruntime's QDQ placement.
import { KilnError } from '@kiln/common';
import { Constant, type Graph, load, type Model, Node, save, type Value, Variable } from '@kiln/onnx-tools';
import { quantizeWeights } from './weights.js';

/**
 * Ops {@link quantizeModelQdq} can place Q/DQ around. The first three also get int8 weights.
 *
 * @example
 * ```ts
 * import { QUANTIZABLE_OPS } from '@kiln/calib';
 * QUANTIZABLE_OPS.includes('Conv'); // true
 * ```
 */
export const QUANTIZABLE_OPS = ['Conv', 'MatMul', 'Gemm', 'Add', 'Concat', 'MaxPool', 'AveragePool', 'GlobalAveragePool'] as const;

/**
 * One of {@link QUANTIZABLE_OPS}.
 *
 * @example
 * ```ts
 * const ops: QuantizableOp[] = ['Conv', 'Gemm', 'Add'];
 * ```
 */
export type QuantizableOp = (typeof QUANTIZABLE_OPS)[number];

/**
 * Options of `quantizeModel`.
 *
 * @example
 * ```ts
 * await quantizeModel(model, scales, { ops: ['Conv', 'MatMul', 'Gemm', 'Concat'], perChannel: true });
 * ```
 */
export interface QuantizeOptions {
  /** Ops to quantize (default `['Conv', 'MatMul', 'Gemm']`); add e.g. `'Add'`, `'Concat'`, `'MaxPool'` for passthrough ops. */
  ops?: readonly QuantizableOp[];
  /** Per-channel weight scales (default true; needs ai.onnx opset ≥ 13); false: one scale per weight tensor. */
  perChannel?: boolean;
  /** Also put a Q/DQ pair on each quantized op's output (default true: DQ → op → Q). */
  quantizeOutputs?: boolean;
}

/** Which inputs of an op carry activations (all Variable inputs when not listed). */
const ACTIVATION_INPUTS: Partial<Record<QuantizableOp, readonly number[]>> = {
  Conv: [0, 1], MatMul: [0, 1], Gemm: [0, 1], MaxPool: [0], AveragePool: [0], GlobalAveragePool: [0],
};
const WEIGHT_OPS = new Set<string>(['Conv', 'MatMul', 'Gemm']);

function quantizeError(message: string, details: { where?: string; expected?: string; found?: string; hint?: string }): KilnError {
  return new KilnError('ERR_CALIB_QUANTIZE', message, details);
}

/** The output-channel axis of a weight: Conv W axis 0, MatMul B its last axis, Gemm B by transB. */
export function weightAxis(node: Node, rank: number): number | undefined {
  if (node.op === 'Conv') return 0;
  if (rank < 2) return undefined;
  if (node.op === 'MatMul') return rank - 1;
  const transB = node.attributes.get('transB');
  return transB?.type === 'int' && transB.value !== 0 ? 0 : 1;
}

class Names {
  private readonly used = new Set<string>();
  constructor(graph: Graph) {
    for (const name of graph.tensors().keys()) this.used.add(name);
    for (const node of graph.nodes) this.used.add(node.name);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/** Insert Q/DQ pairs into a copy of `model` (see the public `quantizeModel`). */
export async function quantizeModelQdq(model: Model, scales: ReadonlyMap<string, number>, options: QuantizeOptions = {}): Promise<Model> {
  const ops = new Set<string>(options.ops ?? ['Conv', 'MatMul', 'Gemm']);
  for (const op of ops) {
    if (!(QUANTIZABLE_OPS as readonly string[]).includes(op)) {
      throw new KilnError('ERR_CALIB_OPTIONS', `Kiln cannot place Q/DQ around '${op}'`, { where: 'quantizeModel options.ops', expected: QUANTIZABLE_OPS.join(', '), found: op });
    }
  }
  const perChannel = options.perChannel ?? true;
  const opset = model.opset('') ?? 0;
  const needed = perChannel ? 13 : 10;
  if (opset < needed) {
    throw quantizeError(`QuantizeLinear/DequantizeLinear${perChannel ? ' with per-axis scales' : ''} need ai.onnx opset ${needed}`, {
      where: 'ModelProto.opset_import', expected: `opset ≥ ${needed}`, found: `opset ${opset}`,
      hint: perChannel ? 'convert the model to opset 13 or later, or pass perChannel: false (opset ≥ 10)' : 'convert the model to opset 10 or later',
    });
  }
  const copy = await load(save(model));
  const graph = copy.graph;
  graph.toposort();
  const names = new Names(graph);
  const targets = graph.nodes.filter((node) => node.domain === '' && ops.has(node.op));

  // 1. Weights of Conv/MatMul/Gemm: int8 initializer + DequantizeLinear.
  const dequantizedWeights = new Map<string, Variable>();
  for (const node of targets) {
    const weight = node.inputs[1];
    if (!WEIGHT_OPS.has(node.op) || !(weight instanceof Constant) || weight.dtype !== 'float32') continue;
    const axis = perChannel ? weightAxis(node, weight.shape.length) : undefined;
    const key = `${weight.name}\u0000${axis ?? ''}`;
    let dequantized = dequantizedWeights.get(key);
    if (dequantized === undefined) {
      const quantized = quantizeWeights(weight.values as never, axis);
      const channels = quantized.scales.length;
      const scaleDims = axis === undefined ? [] : [channels];
      const values = new Constant(names.fresh(`${weight.name}_quantized`), quantized.values);
      const scale = new Constant(names.fresh(`${weight.name}_scale`), { type: 'float32', dims: scaleDims, data: quantized.scales });
      const zero = new Constant(names.fresh(`${weight.name}_zero_point`), { type: 'int8', dims: scaleDims, data: new Int8Array(channels) });
      graph.initializers.push(values, scale, zero);
      dequantized = new Variable(names.fresh(`${weight.name}_dequantized`), 'float32', weight.shape);
      const attributes = new Map(axis === undefined ? [] : [['axis', { type: 'int' as const, value: axis }]]);
      graph.addNode(new Node({ op: 'DequantizeLinear', name: names.fresh(`${weight.name}_DequantizeLinear`), inputs: [values, scale, zero], outputs: [dequantized], attributes }));
      dequantizedWeights.set(key, dequantized);
    }
    node.setInput(1, dequantized);
  }

  // 2. Activations: the quantized ops' activation inputs (and outputs), one Q/DQ pair per tensor.
  const activations: { value: Variable; node: Node }[] = [];
  const seen = new Set<Value>();
  const weightOutputs = new Set<Value>(dequantizedWeights.values());
  const want = (value: Value | undefined, node: Node): void => {
    if (!(value instanceof Variable) || seen.has(value) || weightOutputs.has(value)) return;
    seen.add(value);
    activations.push({ value, node });
  };
  for (const node of targets) {
    const indices = ACTIVATION_INPUTS[node.op as QuantizableOp] ?? node.inputs.map((_, i) => i);
    for (const i of indices) want(node.inputs[i], node);
    if (options.quantizeOutputs ?? true) want(node.outputs[0], node);
  }
  for (const { value, node } of activations) {
    const scale = scales.get(value.name);
    if (scale === undefined) {
      throw quantizeError(`No scale for '${value.name}', an activation of ${node.describe()}`, {
        where: node.describe(), expected: `a scale for '${value.name}'`, found: 'none in the scales map',
        hint: 'calibrate every float32 activation (the default tensor list), or leave this op out of options.ops',
      });
    }
    if (!(Number.isFinite(scale) && scale > 0)) {
      throw quantizeError(`Invalid scale for '${value.name}'`, { where: `scales['${value.name}']`, expected: 'a positive finite number', found: String(scale) });
    }
    insertPair(graph, names, value, scale);
  }
  graph.toposort();
  graph.cleanup();
  return copy;
}

/** x → QuantizeLinear(int8, zero point 0) → DequantizeLinear → every former consumer of x. */
function insertPair(graph: Graph, names: Names, value: Variable, scale: number): void {
  const consumers = value.consumers;
  const scaleConstant = new Constant(names.fresh(`${value.name}_scale`), { type: 'float32', dims: [], data: Float32Array.of(scale) });
  const zero = new Constant(names.fresh(`${value.name}_zero_point`), { type: 'int8', dims: [], data: new Int8Array(1) });
  graph.initializers.push(scaleConstant, zero);
  const quantized = new Variable(names.fresh(`${value.name}_quantized`), 'int8', value.shape);
  const dequantized = new Variable(names.fresh(`${value.name}_dequantized`), 'float32', value.shape);
  graph.addNode(new Node({ op: 'QuantizeLinear', name: names.fresh(`${value.name}_QuantizeLinear`), inputs: [value, scaleConstant, zero], outputs: [quantized] }));
  graph.addNode(new Node({ op: 'DequantizeLinear', name: names.fresh(`${value.name}_DequantizeLinear`), inputs: [quantized, scaleConstant, zero], outputs: [dequantized] }));
  for (const consumer of consumers) consumer.replaceInput(value, dequantized);
}
