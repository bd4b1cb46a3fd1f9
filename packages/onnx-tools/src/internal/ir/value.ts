import type { Tensor } from '../../tensor.js';
import type { ElementType } from './dtype.js';
import type { Node } from './node.js';

/** One dimension: a size, a symbolic name (`'N'`), or `undefined` when unknown. */
export type Dim = number | string | undefined;

/** A shape; `undefined` as a whole means the rank is unknown. */
export type Shape = readonly Dim[];

/** Non-tensor ONNX value types (sequences, maps, optionals, sparse tensors). */
export type ValueType =
  | { kind: 'tensor'; dtype: ElementType | undefined; shape: Shape | undefined }
  | { kind: 'sparse_tensor'; dtype: ElementType | undefined; shape: Shape | undefined }
  | { kind: 'sequence'; element: ValueType | undefined }
  | { kind: 'map'; key: ElementType | undefined; value: ValueType | undefined }
  | { kind: 'optional'; element: ValueType | undefined };

/**
 * What every IR tensor shares: a name, the node that produces it and the nodes that consume it.
 * The links are kept up to date by {@link Node}'s setters.
 *
 * @example
 * ```ts
 * for (const consumer of tensor.consumers) console.log(consumer.op);
 * ```
 */
export abstract class TensorBase {
  /** @internal */ producerNode: Node | undefined = undefined;
  /** @internal */ consumerNodes: Node[] = [];

  constructor(public name: string) {}

  /** The node that writes this tensor, if any (graph inputs and constants have none). */
  get producer(): Node | undefined {
    return this.producerNode;
  }

  /** The nodes that read this tensor (each listed once), including nodes inside subgraphs. */
  get consumers(): readonly Node[] {
    return [...new Set(this.consumerNodes)];
  }

  abstract get dtype(): ElementType | undefined;
  abstract get shape(): Shape | undefined;
  abstract readonly isConstant: boolean;
}

/** A tensor whose value is known only at run time: graph inputs, node outputs.
 *
 * @example
 * ```ts
 * const x = new Variable('x', 'float32', ['N', 3, 224, 224]);
 * ```
 */
export class Variable extends TensorBase {
  readonly isConstant = false;
  /** Element type, when known. */
  dtype: ElementType | undefined;
  /** Shape with symbolic dims as strings, when known. */
  shape: Shape | undefined;
  /** Set for values that are not plain tensors (sequences, maps, optionals, sparse tensors). */
  valueType: ValueType | undefined;

  constructor(name: string, dtype?: ElementType, shape?: Shape, valueType?: ValueType) {
    super(name);
    this.dtype = dtype;
    this.shape = shape;
    this.valueType = valueType;
  }
}

/** Where a lazily decoded constant comes from. */
export interface ConstantSource {
  dtype: ElementType;
  dims: readonly number[];
  /** Decode the values (called at most once). */
  decode(): Tensor;
  /** The encoded form this constant was read from, reused verbatim on save while unchanged. */
  encoded?: unknown;
}

/** A tensor with a value known when the model is built: initializers, folded values.
 *
 * @example
 * ```ts
 * const w = new Constant('w', { type: 'float32', dims: [2], data: new Float32Array([1, 2]) });
 * w.values.data; // Float32Array [1, 2]; loaded initializers decode on first access
 * ```
 */
export class Constant extends TensorBase {
  readonly isConstant = true;
  private source: ConstantSource | undefined;
  private decoded: Tensor | undefined;
  private readonly elementType: ElementType;
  private readonly staticDims: readonly number[];

  /** A constant holding `values`. */
  constructor(name: string, values: Tensor);
  /** A constant decoded lazily from `source` on first access to {@link Constant.values}. */
  constructor(name: string, source: ConstantSource);
  constructor(name: string, valuesOrSource: Tensor | ConstantSource) {
    super(name);
    if ('decode' in valuesOrSource) {
      this.source = valuesOrSource;
      this.elementType = valuesOrSource.dtype;
      this.staticDims = valuesOrSource.dims;
    } else {
      this.decoded = valuesOrSource;
      this.elementType = valuesOrSource.type;
      this.staticDims = valuesOrSource.dims;
    }
  }

  get dtype(): ElementType {
    return this.decoded?.type ?? this.elementType;
  }

  get shape(): readonly number[] {
    return this.decoded?.dims ?? this.staticDims;
  }

  /** The value, decoded into a typed array on first access. */
  get values(): Tensor {
    if (this.decoded === undefined) {
      // `source` is always set when `decoded` is not.
      this.decoded = (this.source as ConstantSource).decode();
    }
    return this.decoded;
  }

  /** Replace the value; the constant no longer refers to its encoded source. */
  set values(tensor: Tensor) {
    this.decoded = tensor;
    this.source = undefined;
  }

  /** True until the value is first decoded (cheap inspection does not decode). */
  get isLazy(): boolean {
    return this.decoded === undefined;
  }

  /** @internal The encoded form, while the value is unchanged. */
  get encoded(): unknown {
    return this.source?.encoded;
  }

  /** Number of elements. */
  get size(): number {
    let n = 1;
    for (const d of this.shape) n *= d;
    return n;
  }
}

/** An IR tensor: a {@link Variable} or a {@link Constant}. */
export type Value = Variable | Constant;
