import { KilnError } from '@kiln/common';
import { type AttributeValue, Constant, Graph, Model, Node, type Tensor, type TensorType, Variable } from '@kiln/onnx-tools';

/** A tensor of a {@link NetworkDefinition}: a network input, a layer output or a constant. */
export type NetworkTensor = Variable | Constant;

/** Activation kinds for {@link NetworkDefinition.addActivation} (ONNX op names). */
export type ActivationType = 'Relu' | 'Sigmoid' | 'Tanh' | 'LeakyRelu' | 'Clip' | 'HardSwish' | 'HardSigmoid' | 'Elu' | 'Selu' | 'Softplus' | 'Gelu';

/** Elementwise operations for {@link NetworkDefinition.addElementwise}. */
export type ElementwiseOperation = 'Add' | 'Sub' | 'Mul' | 'Div' | 'Max' | 'Min' | 'Pow';

export interface ConvolutionOptions {
  /** Weights [outChannels, inChannels/group, kH, kW]. */
  weights: Tensor<'float32'>;
  bias?: Tensor<'float32'>;
  strides?: number[];
  /** ONNX pads: [top, left, bottom, right]. */
  pads?: number[];
  dilations?: number[];
  group?: number;
}

export interface PoolingOptions {
  type: 'max' | 'average' | 'globalAverage' | 'globalMax';
  kernel?: number[];
  strides?: number[];
  pads?: number[];
  countIncludePad?: boolean;
}

export interface ShuffleOptions {
  /** Permutation applied first (Transpose). */
  firstTranspose?: number[];
  /** Then a reshape (0 copies the input dim, -1 infers). */
  reshape?: number[];
  /** Then a second permutation. */
  secondTranspose?: number[];
}

/**
 * A network built layer by layer (TensorRT's `INetworkDefinition`), or filled in by
 * {@link OnnxParser}. Layers are ONNX operators underneath, so everything the builder does to
 * parsed models — fusion, tactic timing, memory planning — applies to hand-built networks too.
 *
 * @example
 * ```ts
 * const network = new NetworkDefinition();
 * const x = network.addInput('x', 'float32', [1, 3, 32, 32]);
 * const conv = network.addConvolution(x, { weights: { type: 'float32', dims: [8, 3, 3, 3], data: new Float32Array(216) }, pads: [1, 1, 1, 1] });
 * const relu = network.addActivation(conv, 'Relu');
 * network.markOutput(relu, 'y');
 * const plan = await buildSerializedNetwork(network, new BuilderConfig());
 * ```
 */
export class NetworkDefinition {
  /** The network as an ONNX model (opset 17). */
  readonly model: Model;
  private counter = 0;

  constructor(model?: Model) {
    if (model) {
      this.model = model;
    } else {
      this.model = new Model(new Graph('network'));
      this.model.opsetImports.set('', 17);
      this.model.producerName = 'kiln';
    }
  }

  get graph(): Graph {
    return this.model.graph;
  }

  /** Add a network input. Use strings for dynamic dims (`'N'`), -1 for an anonymous one. */
  addInput(name: string, dtype: TensorType, dims: readonly (number | string)[]): Variable {
    const input = new Variable(name, dtype, dims.map((dim) => (dim === -1 ? `${name}_dim` : dim)));
    this.graph.inputs.push(input);
    return input;
  }

  /** Mark a tensor as a network output, optionally renaming it. */
  markOutput(tensor: NetworkTensor, name?: string): void {
    if (name !== undefined) tensor.name = name;
    this.graph.outputs.push(tensor);
  }

  /** A constant tensor (weights) usable as a layer input. */
  addConstant(values: Tensor, name?: string): Constant {
    const constant = new Constant(name ?? this.name('constant'), values);
    this.graph.initializers.push(constant);
    return constant;
  }

  addConvolution(input: NetworkTensor, options: ConvolutionOptions): Variable {
    const weights = this.addConstant(options.weights);
    const inputs: NetworkTensor[] = [input, weights];
    if (options.bias) inputs.push(this.addConstant(options.bias));
    const spatial = options.weights.dims.length - 2;
    return this.layer('Conv', inputs, {
      kernel_shape: ints(options.weights.dims.slice(2)),
      strides: ints(options.strides ?? new Array(spatial).fill(1)),
      pads: ints(options.pads ?? new Array(spatial * 2).fill(0)),
      dilations: ints(options.dilations ?? new Array(spatial).fill(1)),
      group: int(options.group ?? 1),
    });
  }

  /** C = op(A) · op(B) (MatMul semantics, batched over leading dims). */
  addMatrixMultiply(a: NetworkTensor, b: NetworkTensor, options: { transposeB?: boolean } = {}): Variable {
    if (!options.transposeB) return this.layer('MatMul', [a, b], {});
    const rank = b.shape?.length ?? 2;
    const perm = [...Array(rank).keys()];
    [perm[rank - 1], perm[rank - 2]] = [perm[rank - 2]!, perm[rank - 1]!];
    return this.layer('MatMul', [a, this.layer('Transpose', [b], { perm: ints(perm) })], {});
  }

  addActivation(input: NetworkTensor, type: ActivationType, params: { alpha?: number; beta?: number } = {}): Variable {
    if (type === 'Clip') {
      const min = this.addConstant({ type: 'float32', dims: [], data: new Float32Array([params.alpha ?? -Infinity]) });
      const max = this.addConstant({ type: 'float32', dims: [], data: new Float32Array([params.beta ?? Infinity]) });
      return this.layer('Clip', [input, min, max], {});
    }
    const attributes: Record<string, AttributeValue<Graph>> = {};
    if (params.alpha !== undefined) attributes.alpha = { type: 'float', value: params.alpha };
    if (params.beta !== undefined) attributes.beta = { type: 'float', value: params.beta };
    if (type === 'Gelu') return this.gelu(input);
    return this.layer(type, [input], attributes);
  }

  addElementwise(a: NetworkTensor, b: NetworkTensor, operation: ElementwiseOperation): Variable {
    return this.layer(operation, [a, b], {});
  }

  addPooling(input: NetworkTensor, options: PoolingOptions): Variable {
    if (options.type === 'globalAverage') return this.layer('GlobalAveragePool', [input], {});
    if (options.type === 'globalMax') return this.layer('GlobalMaxPool', [input], {});
    if (!options.kernel) throw new KilnError('ERR_ARGUMENT', 'Pooling needs a kernel size.', { expected: 'kernel: [kH, kW]', found: 'none' });
    const spatial = options.kernel.length;
    const attributes: Record<string, AttributeValue<Graph>> = {
      kernel_shape: ints(options.kernel),
      strides: ints(options.strides ?? options.kernel),
      pads: ints(options.pads ?? new Array(spatial * 2).fill(0)),
    };
    if (options.type === 'average') attributes.count_include_pad = int(options.countIncludePad ? 1 : 0);
    return this.layer(options.type === 'max' ? 'MaxPool' : 'AveragePool', [input], attributes);
  }

  addSoftmax(input: NetworkTensor, axis = -1): Variable {
    return this.layer('Softmax', [input], { axis: int(axis) });
  }

  addShuffle(input: NetworkTensor, options: ShuffleOptions): Variable {
    let value: NetworkTensor = input;
    if (options.firstTranspose) value = this.layer('Transpose', [value], { perm: ints(options.firstTranspose) });
    if (options.reshape) {
      const shape = this.addConstant({ type: 'int64', dims: [options.reshape.length], data: BigInt64Array.from(options.reshape.map(BigInt)) });
      value = this.layer('Reshape', [value, shape], {});
    }
    if (options.secondTranspose) value = this.layer('Transpose', [value], { perm: ints(options.secondTranspose) });
    return value as Variable;
  }

  addConcatenation(inputs: readonly NetworkTensor[], axis = 1): Variable {
    return this.layer('Concat', inputs, { axis: int(axis) });
  }

  /** GELU (erf form) written with opset-17 ops; the builder fuses it back into one layer. */
  private gelu(x: NetworkTensor): Variable {
    const scalar = (value: number) => this.addConstant({ type: 'float32', dims: [], data: new Float32Array([value]) });
    const erf = this.layer('Erf', [this.layer('Div', [x, scalar(Math.SQRT2)], {})], {});
    const onePlus = this.layer('Add', [erf, scalar(1)], {});
    return this.layer('Mul', [this.layer('Mul', [x, onePlus], {}), scalar(0.5)], {});
  }

  /**
   * Any ONNX operator as a layer (for ops without a dedicated method).
   *
   * @example
   * ```ts
   * const y = network.layer('LayerNormalization', [x, gamma, beta], { axis: { type: 'int', value: -1 } });
   * ```
   */
  layer(op: string, inputs: readonly (NetworkTensor | undefined)[], attributes: Record<string, AttributeValue<Graph>>, domain = ''): Variable {
    const name = this.name(op.toLowerCase());
    const output = new Variable(`${name}_output`);
    const node = new Node({ op, name, domain, inputs, outputs: [output], attributes: new Map(Object.entries(attributes)) });
    this.graph.addNode(node);
    return output;
  }

  private name(base: string): string {
    return `${base}_${this.counter++}`;
  }
}

function ints(values: readonly number[]): AttributeValue<Graph> {
  return { type: 'ints', value: [...values] };
}

function int(value: number): AttributeValue<Graph> {
  return { type: 'int', value };
}
