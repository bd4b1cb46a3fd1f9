import { Constant, type Graph, Node, type Value, Variable } from '@kiln/onnx-tools';
import { KILN_DOMAIN, floatAttribute, intAttribute, stringAttribute } from '../ir-helpers.js';
import { QDQ_ATTRIBUTES } from '../precision.js';

/** The ai.onnx opset the standard nodes are written for (LayerNormalization, Split's input, HardSwish). */
export const STANDARD_OPSET = 17;

/**
 * A Kiln node (domain `kiln`: the fusion passes' FusedConv, FusedGemm, MatMul, Softmax, LayerNorm,
 * Gelu) written back as standard ONNX nodes with the same semantics, in `graph` (a reference
 * layer's standalone graph, whose ai.onnx opset must be at least STANDARD_OPSET). A fused node
 * whose native lowering did not apply (a Conv over rank 3 or 5, say) then still runs on the
 * reference evaluator. Undefined for a node that is not Kiln's.
 */
export function standardNodes(node: Node, graph: Graph): Node[] | undefined {
  if (node.domain !== KILN_DOMAIN) return undefined;
  const writer = new Writer(graph, node.name || node.op);
  const [x, second, third, fourth] = node.inputs;
  const outputs = node.outputs.filter((value): value is Value => value !== undefined);
  switch (node.op) {
    case 'FusedConv': {
      const attributes = new Map([...node.attributes].filter(([name]) => !['activation', 'activation_params', ...QDQ_ATTRIBUTES].includes(name)));
      const y = writer.node('Conv', [x, second, third], attributes);
      writer.epilogue(node, y, fourth, outputs);
      break;
    }
    case 'FusedGemm': {
      const b = intAttribute(node, 'transB', 0) === 1 ? writer.node('Transpose', [second], new Map([['perm', { type: 'ints', value: [1, 0] }]])) : second;
      const product = writer.node('MatMul', [x, b]);
      const y = third === undefined ? product : writer.node('Add', [product, third]);
      writer.epilogue(node, y, fourth, outputs);
      break;
    }
    case 'MatMul':
      writer.node('Mul', [writer.node('MatMul', [x, second]), writer.scalar(floatAttribute(node, 'alpha', 1))], undefined, outputs);
      break;
    case 'Softmax': {
      const sum = second === undefined ? x : writer.node('Add', [x, second]);
      const axis = new Map([['axis', { type: 'int' as const, value: intAttribute(node, 'axis', -1) }]]);
      if (intAttribute(node, 'nan_to_zero', 0) === 0) {
        writer.node(intAttribute(node, 'log', 0) === 1 ? 'LogSoftmax' : 'Softmax', [sum], axis, outputs);
      } else {
        const y = writer.node(intAttribute(node, 'log', 0) === 1 ? 'LogSoftmax' : 'Softmax', [sum], axis);
        writer.node('Where', [writer.node('IsNaN', [y]), writer.scalar(0), y], undefined, outputs);
      }
      break;
    }
    case 'LayerNorm': {
      const attributes = new Map([
        ['axis', { type: 'int' as const, value: intAttribute(node, 'axis', -1) }],
        ['epsilon', { type: 'float' as const, value: floatAttribute(node, 'epsilon', 1e-5) }],
      ]);
      writer.node('LayerNormalization', [x, second, third], attributes, outputs);
      break;
    }
    case 'Gelu':
      writer.activation(stringAttribute(node, 'approximate', 'none') === 'tanh' ? 'gelu_tanh' : 'gelu_erf', [], x!, outputs);
      break;
    default:
      return undefined;
  }
  return writer.nodes;
}

/** Adds nodes and intermediate tensors to a graph, named after the node they replace. */
class Writer {
  readonly nodes: Node[] = [];
  private count = 0;

  constructor(
    private readonly graph: Graph,
    private readonly prefix: string,
  ) {}

  /** A node; its one output is a fresh float32 tensor unless `outputs` are given (the first is returned). */
  node(op: string, inputs: readonly (Value | undefined)[], attributes?: Node['attributes'], outputs?: readonly Value[]): Value {
    const results = outputs ?? [new Variable(this.name(op), 'float32', undefined)];
    const node = new Node({ op, name: this.name(op), inputs: [...inputs], outputs: [...results], attributes: attributes ?? new Map() });
    this.graph.addNode(node);
    this.nodes.push(node);
    return results[0]!;
  }

  scalar(value: number): Value {
    const constant = new Constant(this.name('const'), { type: 'float32', dims: [], data: Float32Array.of(value) });
    this.graph.initializers.push(constant);
    return constant;
  }

  /**
   * The fused epilogue after the product y (+ bias already added): + residual, then the
   * activation, into `outputs` (several: FusedGemm's `output_columns`, split along the last axis).
   */
  epilogue(node: Node, y: Value, residual: Value | undefined, outputs: readonly Value[]): void {
    const sum = residual === undefined ? y : this.node('Add', [y, residual]);
    const kind = stringAttribute(node, 'activation', 'none');
    const params = node.attributes.get('activation_params');
    const values = params?.type === 'floats' ? params.value : [];
    const columns = node.attributes.get('output_columns');
    if (columns?.type !== 'ints' || outputs.length < 2) {
      this.activation(kind, values, sum, outputs);
      return;
    }
    const splits = new Constant(this.name('splits'), { type: 'int64', dims: [columns.value.length], data: BigInt64Array.from(columns.value.map(BigInt)) });
    this.graph.initializers.push(splits);
    this.node('Split', [this.activation(kind, values, sum), splits], new Map([['axis', { type: 'int', value: -1 }]]), outputs);
  }

  /** An epilogue activation (activations.ts's kinds) of x, into `outputs` when given. */
  activation(kind: string, params: readonly number[], x: Value, outputs?: readonly Value[]): Value {
    const into = (op: string, inputs: Value[], attributes?: Node['attributes']) => this.node(op, inputs, attributes, outputs);
    switch (kind) {
      case 'none':
        return outputs === undefined ? x : into('Identity', [x]);
      case 'relu':
        return into('Relu', [x]);
      case 'sigmoid':
        return into('Sigmoid', [x]);
      case 'tanh':
        return into('Tanh', [x]);
      case 'hard_swish':
        return into('HardSwish', [x]);
      case 'leaky_relu':
        return into('LeakyRelu', [x], new Map([['alpha', { type: 'float', value: params[0] ?? 0.01 }]]));
      case 'clip':
        return into('Clip', [x, this.scalar(params[0] ?? -3.4028234663852886e38), this.scalar(params[1] ?? 3.4028234663852886e38)]);
      case 'silu':
        return into('Mul', [x, this.node('Sigmoid', [x])]);
      case 'gelu_erf': {
        // x · 0.5 · (1 + erf(x / √2))
        const erf = this.node('Erf', [this.node('Mul', [x, this.scalar(Math.SQRT1_2)])]);
        return into('Mul', [this.node('Mul', [x, this.scalar(0.5)]), this.node('Add', [erf, this.scalar(1)])]);
      }
      case 'gelu_tanh': {
        // x · 0.5 · (1 + tanh(√(2/π) · (x + 0.044715 x³)))
        const cube = this.node('Mul', [this.node('Mul', [x, x]), x]);
        const inner = this.node('Mul', [this.node('Add', [x, this.node('Mul', [cube, this.scalar(0.044715)])]), this.scalar(Math.sqrt(2 / Math.PI))]);
        return into('Mul', [this.node('Mul', [x, this.scalar(0.5)]), this.node('Add', [this.node('Tanh', [inner]), this.scalar(1)])]);
      }
      default:
        throw new Error(`standardNodes: no ONNX form for activation "${kind}"`);
    }
  }

  private name(op: string): string {
    return `${this.prefix}/kiln_standard/${op}_${this.count++}`;
  }
}
