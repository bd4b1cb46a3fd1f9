import type { Tensor, TensorType } from '../../tensor.js';
import { Graph } from '../ir/graph.js';
import { Model } from '../ir/model.js';
import { Node } from '../ir/node.js';
import { Constant, type Shape, type Value, Variable } from '../ir/value.js';
import { type AttributeInput, toAttributes } from './attributes.js';

/** What a layer takes as an input: an IR tensor, a tensor value (becomes an initializer), or nothing. */
export type LayerInput = Value | Tensor | undefined;

/** Options of {@link GraphBuilder.layer}. */
export interface LayerOptions {
  name?: string;
  domain?: string;
  /** Output names (default `<node name>_out<i>`); their count is the node's output count. */
  outputs?: readonly string[];
}

/** Options of {@link GraphBuilder.toModel}. */
export interface ToModelOptions {
  /** ai.onnx opset (default 17). */
  opset?: number;
  /** Other domains' opsets, e.g. `{ 'com.microsoft': 1 }`. */
  opsets?: Record<string, number>;
  /** IR version (default 8, which every onnxruntime accepts). */
  irVersion?: number;
  producerName?: string;
}

/**
 * Builds small ONNX graphs for tests: inputs, constants, layers, outputs. Names are generated
 * when not given and stay unique.
 *
 * @example
 * ```ts
 * const g = new GraphBuilder('net');
 * const x = g.input('x', 'float32', [1, 3, 'N']);
 * const y = g.layer('Relu', [x]);
 * g.output(y);
 * const model = g.toModel({ opset: 17 });
 * ```
 */
export class GraphBuilder {
  readonly graph: Graph;
  private counter = 0;
  private readonly used = new Set<string>();

  constructor(name = 'graph', parent?: Graph) {
    this.graph = new Graph(name, parent);
  }

  /** A fresh name starting with `prefix`. */
  uniqueName(prefix: string): string {
    let name = prefix;
    while (this.used.has(name)) name = `${prefix}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Declare a graph input. Dims may be numbers, symbolic names or undefined. */
  input(name: string, dtype: TensorType, shape?: Shape): Variable {
    const variable = new Variable(this.uniqueName(name), dtype, shape);
    this.graph.inputs.push(variable);
    return variable;
  }

  /** Add an initializer holding `value`. */
  constant(value: Tensor, name = 'const'): Constant {
    const constant = new Constant(this.uniqueName(name), value);
    this.graph.initializers.push(constant);
    return constant;
  }

  /** A float32 initializer from numbers. */
  floats(values: readonly number[], dims: readonly number[] = [values.length], name = 'const'): Constant {
    return this.constant({ type: 'float32', dims, data: Float32Array.from(values) }, name);
  }

  /** An int64 initializer from numbers (shapes, axes, ...). */
  ints(values: readonly number[], dims: readonly number[] = [values.length], name = 'const'): Constant {
    return this.constant({ type: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) }, name);
  }

  private asValue(input: LayerInput): Value | undefined {
    if (input === undefined || input instanceof Variable || input instanceof Constant) return input;
    return this.constant(input as Tensor);
  }

  /** Add a node with any number of outputs; returns the output tensors. */
  layerOutputs(op: string, inputs: readonly LayerInput[], outputCount: number, attributes?: Record<string, AttributeInput | undefined>, options: LayerOptions = {}): Variable[] {
    const name = this.uniqueName(options.name ?? op.toLowerCase());
    const outputNames = options.outputs ?? Array.from({ length: outputCount }, (_, i) => `${name}_out${i}`);
    const outputs = outputNames.map((n) => new Variable(this.uniqueName(n)));
    const node = new Node({
      op,
      name,
      domain: options.domain ?? '',
      inputs: inputs.map((input) => this.asValue(input)),
      outputs,
      attributes: toAttributes(attributes),
    });
    this.graph.addNode(node);
    return outputs;
  }

  /** Add a single-output node; returns its output. */
  layer(op: string, inputs: readonly LayerInput[], attributes?: Record<string, AttributeInput | undefined>, options: LayerOptions = {}): Variable {
    return this.layerOutputs(op, inputs, options.outputs?.length ?? 1, attributes, options)[0] as Variable;
  }

  /** Mark a tensor as a graph output (optionally recording its type). */
  output(value: Value, dtype?: TensorType, shape?: Shape): Value {
    if (value instanceof Variable) {
      if (dtype !== undefined) value.dtype = dtype;
      if (shape !== undefined) value.shape = shape;
    }
    this.graph.outputs.push(value);
    return value;
  }

  relu(x: LayerInput): Variable {
    return this.layer('Relu', [x]);
  }

  sigmoid(x: LayerInput): Variable {
    return this.layer('Sigmoid', [x]);
  }

  add(a: LayerInput, b: LayerInput): Variable {
    return this.layer('Add', [a, b]);
  }

  sub(a: LayerInput, b: LayerInput): Variable {
    return this.layer('Sub', [a, b]);
  }

  mul(a: LayerInput, b: LayerInput): Variable {
    return this.layer('Mul', [a, b]);
  }

  div(a: LayerInput, b: LayerInput): Variable {
    return this.layer('Div', [a, b]);
  }

  matMul(a: LayerInput, b: LayerInput): Variable {
    return this.layer('MatMul', [a, b]);
  }

  /** Gemm: `alpha·A'·B' + beta·C`. */
  gemm(a: LayerInput, b: LayerInput, c?: LayerInput, attributes: { alpha?: number; beta?: number; transA?: number; transB?: number } = {}): Variable {
    return this.layer('Gemm', c === undefined ? [a, b] : [a, b, c], {
      ...(attributes.alpha !== undefined ? { alpha: { type: 'float', value: attributes.alpha } } : {}),
      ...(attributes.beta !== undefined ? { beta: { type: 'float', value: attributes.beta } } : {}),
      transA: attributes.transA,
      transB: attributes.transB,
    });
  }

  /** Conv with ONNX attribute names (`strides`, `pads`, `dilations`, `group`, `kernel_shape`, `auto_pad`). */
  conv(x: LayerInput, w: LayerInput, b?: LayerInput, attributes: { strides?: number[]; pads?: number[]; dilations?: number[]; group?: number; kernel_shape?: number[]; auto_pad?: string } = {}): Variable {
    return this.layer('Conv', b === undefined ? [x, w] : [x, w, b], attributes);
  }

  maxPool(x: LayerInput, attributes: { kernel_shape: number[]; strides?: number[]; pads?: number[]; ceil_mode?: number }): Variable {
    return this.layer('MaxPool', [x], attributes);
  }

  averagePool(x: LayerInput, attributes: { kernel_shape: number[]; strides?: number[]; pads?: number[]; ceil_mode?: number; count_include_pad?: number }): Variable {
    return this.layer('AveragePool', [x], attributes);
  }

  globalAveragePool(x: LayerInput): Variable {
    return this.layer('GlobalAveragePool', [x]);
  }

  batchNormalization(x: LayerInput, scale: LayerInput, bias: LayerInput, mean: LayerInput, variance: LayerInput, epsilon?: number): Variable {
    return this.layer('BatchNormalization', [x, scale, bias, mean, variance], epsilon === undefined ? {} : { epsilon: { type: 'float', value: epsilon } });
  }

  softmax(x: LayerInput, axis = -1): Variable {
    return this.layer('Softmax', [x], { axis });
  }

  /** Reshape to a constant shape (0 copies a dim, -1 infers one). */
  reshape(x: LayerInput, shape: readonly number[]): Variable {
    return this.layer('Reshape', [x, this.ints(shape, [shape.length], 'shape')]);
  }

  transpose(x: LayerInput, perm?: number[]): Variable {
    return this.layer('Transpose', [x], { perm });
  }

  concat(inputs: readonly LayerInput[], axis: number): Variable {
    return this.layer('Concat', inputs, { axis });
  }

  flatten(x: LayerInput, axis = 1): Variable {
    return this.layer('Flatten', [x], { axis });
  }

  identity(x: LayerInput): Variable {
    return this.layer('Identity', [x]);
  }

  /** Wrap the graph in a model. */
  toModel(options: ToModelOptions = {}): Model {
    const model = new Model(this.graph);
    model.irVersion = options.irVersion ?? 8;
    model.producerName = options.producerName ?? 'kiln';
    model.opsetImports.set('', options.opset ?? 17);
    for (const [domain, version] of Object.entries(options.opsets ?? {})) model.opsetImports.set(domain, version);
    return model;
  }
}
