import { KilnError } from '@kiln/common';
import { Node } from './node.js';
import { Constant, type Value, type Variable } from './value.js';

/** What {@link Graph.cleanup} may remove besides dead nodes. */
export interface CleanupOptions {
  /** Also drop graph inputs nothing reads (default false: inputs are the model's interface). */
  removeUnusedGraphInputs?: boolean;
  /** Clean subgraphs too (default true). */
  recurseSubgraphs?: boolean;
}

/**
 * A computation graph in the ONNX-GraphSurgeon style: nodes linked through {@link Value}s.
 * `initializers` are the graph's named constants, `valueInfo` the intermediate tensors whose
 * type/shape the file records. A subgraph (If/Loop/Scan body) has `parent` set; its nodes may
 * read tensors of enclosing graphs directly.
 *
 * @example
 * ```ts
 * const model = await load('model.onnx');
 * const relu = model.graph.nodes.find((n) => n.op === 'Relu');
 * console.log(relu?.inputs[0]?.producer?.op, relu?.outputs[0]?.consumers.map((n) => n.op));
 * model.graph.toposort().cleanup();
 * ```
 */
export class Graph {
  name: string;
  nodes: Node[] = [];
  inputs: Value[] = [];
  outputs: Value[] = [];
  initializers: Constant[] = [];
  valueInfo: Variable[] = [];
  docString = '';
  /** The enclosing graph for subgraphs. */
  parent: Graph | undefined;
  /** @internal GraphProto fields kept verbatim (sparse initializers, quantization annotations, metadata). */
  extras: Record<string, unknown> = {};

  constructor(name = '', parent?: Graph) {
    this.name = name;
    this.parent = parent;
  }

  /** Add a node (already linked to its tensors) and return it. */
  addNode(node: Node): Node {
    this.nodes.push(node);
    return node;
  }

  /** Remove a node from this graph and unlink it from its tensors. */
  removeNode(node: Node): void {
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
    node.disconnect();
  }

  /** Every tensor this graph's nodes, inputs, outputs and initializers mention, by name. */
  tensors(): Map<string, Value> {
    const map = new Map<string, Value>();
    const add = (value: Value | undefined) => {
      if (value && !map.has(value.name)) map.set(value.name, value);
    };
    this.inputs.forEach(add);
    this.initializers.forEach(add);
    for (const node of this.nodes) {
      node.inputs.forEach(add);
      node.outputs.forEach(add);
    }
    this.outputs.forEach(add);
    this.valueInfo.forEach(add);
    return map;
  }

  /** Tensors defined in this graph (inputs, initializers, node outputs). */
  definedTensors(): Set<Value> {
    const defined = new Set<Value>([...this.inputs, ...this.initializers]);
    for (const node of this.nodes) for (const value of node.outputs) if (value) defined.add(value);
    return defined;
  }

  /**
   * Variables (and listed initializers of enclosing graphs) that this graph or its nested
   * subgraphs read but do not define: the outer-scope references. Unlisted {@link Constant}s
   * carry their own value and are not references.
   */
  outerReferences(): Value[] {
    const defined = this.definedTensors();
    const found: Value[] = [];
    const seen = new Set<Value>();
    const visit = (value: Value | undefined) => {
      if (!value || defined.has(value) || seen.has(value)) return;
      if (value instanceof Constant && !isListedAbove(this.parent, value)) return;
      seen.add(value);
      found.push(value);
    };
    for (const node of this.nodes) {
      node.inputs.forEach(visit);
      node.implicitInputs().forEach(visit);
    }
    this.outputs.forEach(visit);
    return found;
  }

  /**
   * Sort nodes so each comes after the producers of its inputs (including tensors its subgraphs
   * read); keeps the existing order where it is free to. Throws ERR_ONNX_CYCLE naming a node on
   * a cycle.
   */
  toposort(): this {
    this.nodes = this.sortedNodes();
    return this;
  }

  /** The nodes in topological order (see {@link Graph.toposort}) without reordering the graph. */
  sortedNodes(): Node[] {
    const index = new Map<Node, number>();
    this.nodes.forEach((node, i) => index.set(node, i));
    const dependents = new Map<Node, Node[]>();
    const pending = new Map<Node, number>();
    for (const node of this.nodes) {
      const producers = new Set<Node>();
      for (const value of [...node.inputs, ...node.implicitInputs()]) {
        const producer = value?.producer;
        if (producer && producer !== node && index.has(producer)) producers.add(producer);
        if (producer === node) throw cycleError(node, [node]);
      }
      pending.set(node, producers.size);
      for (const producer of producers) {
        const list = dependents.get(producer) ?? [];
        list.push(node);
        dependents.set(producer, list);
      }
    }
    const ready = this.nodes.filter((node) => pending.get(node) === 0);
    const sorted: Node[] = [];
    for (let i = 0; i < ready.length; i++) {
      const node = ready[i] as Node;
      sorted.push(node);
      for (const dependent of dependents.get(node) ?? []) {
        const left = (pending.get(dependent) as number) - 1;
        pending.set(dependent, left);
        if (left === 0) ready.push(dependent);
      }
    }
    if (sorted.length !== this.nodes.length) {
      const stuck = this.nodes.filter((node) => (pending.get(node) as number) > 0);
      throw cycleError(stuck[0] as Node, findCycle(stuck, index));
    }
    return sorted;
  }

  /**
   * Remove nodes and tensors that do not contribute to the outputs: dead nodes, unused
   * initializers and value_info entries (and, if asked, unused graph inputs).
   */
  cleanup(options: CleanupOptions = {}): this {
    const live = new Set<Value>(this.outputs);
    const liveNodes = new Set<Node>();
    const members = new Set(this.nodes);
    const stack: Value[] = [...this.outputs];
    while (stack.length > 0) {
      const value = stack.pop() as Value;
      const producer = value.producer;
      if (!producer || !members.has(producer) || liveNodes.has(producer)) continue;
      liveNodes.add(producer);
      for (const input of [...producer.inputs, ...producer.implicitInputs()]) {
        if (input && !live.has(input)) {
          live.add(input);
          stack.push(input);
        }
      }
    }
    for (const node of this.nodes) if (!liveNodes.has(node)) node.disconnect();
    this.nodes = this.nodes.filter((node) => liveNodes.has(node));
    for (const node of this.nodes) for (const value of node.outputs) if (value) live.add(value);
    this.initializers = this.initializers.filter((constant) => live.has(constant) || this.inputs.includes(constant) || isUsedBelow(this, constant));
    this.valueInfo = this.valueInfo.filter((value) => live.has(value));
    if (options.removeUnusedGraphInputs) this.inputs = this.inputs.filter((value) => live.has(value));
    if (options.recurseSubgraphs ?? true) {
      for (const node of this.nodes) for (const graph of node.subgraphs()) graph.cleanup({ ...options, removeUnusedGraphInputs: false });
    }
    return this;
  }
}

function isListedAbove(graph: Graph | undefined, constant: Constant): boolean {
  for (let g = graph; g; g = g.parent) if (g.initializers.includes(constant) || g.inputs.includes(constant)) return true;
  return false;
}

function isUsedBelow(graph: Graph, constant: Constant): boolean {
  return constant.consumers.some((node) => graph.nodes.includes(node));
}

function findCycle(stuck: Node[], index: Map<Node, number>): Node[] {
  const members = new Set(stuck);
  const path: Node[] = [];
  const onPath = new Map<Node, number>();
  let node = stuck[0] as Node;
  for (;;) {
    const at = onPath.get(node);
    if (at !== undefined) return path.slice(at);
    onPath.set(node, path.length);
    path.push(node);
    const next = [...node.inputs, ...node.implicitInputs()]
      .map((value) => value?.producer)
      .find((producer): producer is Node => producer !== undefined && members.has(producer) && index.has(producer));
    if (!next) return [node];
    node = next;
  }
}

function cycleError(node: Node, cycle: Node[]): KilnError {
  return new KilnError('ERR_ONNX_CYCLE', `The graph has a cycle through ${node.describe()}`, {
    where: node.describe(),
    expected: 'an acyclic graph (every node after the producers of its inputs)',
    found: `cycle ${cycle.map((n) => n.describe()).join(' -> ')}`,
    hint: 'fix the exporter so no node (directly or through others) consumes its own output',
  });
}
