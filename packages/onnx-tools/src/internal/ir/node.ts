import type { AttributeValue } from '../attribute.js';
import type { Graph } from './graph.js';
import type { Value } from './value.js';

/** A node attribute whose value comes from the enclosing function's attribute (`ref_attr_name`). */
export interface AttributeReference {
  /** Name of the function attribute it refers to. */
  ref: string;
  /** The attribute's ONNX type (`'int'`, `'floats'`, ...). */
  type: AttributeValue['type'] | 'sparse_tensor' | 'sparse_tensors';
}

/** What {@link Node}'s constructor takes. */
export interface NodeInit {
  op: string;
  name?: string;
  domain?: string;
  inputs?: readonly (Value | undefined)[];
  outputs?: readonly (Value | undefined)[];
  attributes?: Map<string, AttributeValue<Graph>>;
}

/**
 * One operator application. `inputs[i]` / `outputs[i]` is `undefined` for an omitted optional
 * input or unused optional output (`''` in ONNX). The tensors' producer/consumer links follow
 * every change made through the setters.
 *
 * @example
 * ```ts
 * const y = new Variable('y');
 * const node = new Node({ op: 'Relu', name: 'relu0', inputs: [x], outputs: [y] });
 * graph.addNode(node);
 * y.producer === node; // true
 * ```
 */
export class Node {
  /** Op type, e.g. `Conv`. */
  op: string;
  name: string;
  /** Operator domain: `''` for ai.onnx. */
  domain: string;
  /** Attributes by name, in file order. Graph-valued attributes hold IR {@link Graph}s. */
  attributes: Map<string, AttributeValue<Graph>>;
  /** Attributes that refer to an enclosing function's attributes (function bodies only). */
  attributeReferences = new Map<string, AttributeReference>();
  /** Function overload identifier (IR 10), `''` when none. */
  overload = '';
  docString = '';
  /** @internal Attribute protos kept verbatim (sparse tensors), re-emitted on save. */
  opaqueAttributes: unknown[] = [];
  /** @internal Other NodeProto fields kept verbatim (metadata_props, device configurations). */
  extras: Record<string, unknown> = {};
  private inputList: (Value | undefined)[] = [];
  private outputList: (Value | undefined)[] = [];

  constructor(init: NodeInit) {
    this.op = init.op;
    this.name = init.name ?? '';
    this.domain = init.domain ?? '';
    this.attributes = init.attributes ?? new Map();
    this.setInputs(init.inputs ?? []);
    this.setOutputs(init.outputs ?? []);
  }

  get inputs(): readonly (Value | undefined)[] {
    return this.inputList;
  }

  get outputs(): readonly (Value | undefined)[] {
    return this.outputList;
  }

  /** Replace all inputs. */
  setInputs(values: readonly (Value | undefined)[]): void {
    for (const value of this.inputList) if (value) removeOnce(value.consumerNodes, this);
    this.inputList = [...values];
    for (const value of this.inputList) if (value) value.consumerNodes.push(this);
  }

  /** Replace input `index` (appending `undefined`s if needed). */
  setInput(index: number, value: Value | undefined): void {
    const next = [...this.inputList];
    while (next.length <= index) next.push(undefined);
    next[index] = value;
    this.setInputs(next);
  }

  /** Replace every use of `from` among the inputs by `to`; returns how many were replaced. */
  replaceInput(from: Value, to: Value | undefined): number {
    let count = 0;
    const next = this.inputList.map((value) => {
      if (value !== from) return value;
      count++;
      return to;
    });
    if (count > 0) this.setInputs(next);
    return count;
  }

  /** Replace all outputs (each output's producer becomes this node). */
  setOutputs(values: readonly (Value | undefined)[]): void {
    for (const value of this.outputList) if (value && value.producerNode === this) value.producerNode = undefined;
    this.outputList = [...values];
    for (const value of this.outputList) if (value) value.producerNode = this;
  }

  /** Unlink from all inputs and outputs (before removing the node from its graph). */
  disconnect(): void {
    this.setInputs([]);
    this.setOutputs([]);
  }

  /** Graphs held by graph-valued attributes (If branches, Loop/Scan bodies). */
  subgraphs(): Graph[] {
    const graphs: Graph[] = [];
    for (const attribute of this.attributes.values()) {
      if (attribute.type === 'graph') graphs.push(attribute.value);
      else if (attribute.type === 'graphs') graphs.push(...attribute.value);
    }
    return graphs;
  }

  /**
   * Tensors from an enclosing scope that this node's subgraphs read (its implicit inputs), in
   * first-use order.
   */
  implicitInputs(): Value[] {
    const found: Value[] = [];
    const seen = new Set<Value>();
    for (const graph of this.subgraphs()) {
      for (const value of graph.outerReferences()) {
        if (!seen.has(value)) {
          seen.add(value);
          found.push(value);
        }
      }
    }
    return found;
  }

  /** `Conv 'conv1'` / `com.microsoft.Gelu 'g'`: how error messages name a node. */
  describe(): string {
    const op = this.domain === '' || this.domain === 'ai.onnx' ? this.op : `${this.domain}.${this.op}`;
    return this.name === '' ? `${op} (unnamed, output '${this.outputs[0]?.name ?? ''}')` : `${op} '${this.name}'`;
  }
}

function removeOnce<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
