import type { Graph, Node, Value } from '@kiln/onnx-tools';

/**
 * A small pattern language over the IR, in the spirit of ONNX-GraphSurgeon's GraphPattern and
 * tinygrad's PatternMatcher. A pattern names an op (or several), optionally constrains the
 * producers of its inputs, and binds matched nodes and tensors to names. Matching is anchored at
 * the last node of the pattern and walks producers upward.
 *
 * @example
 * // Conv whose output feeds a Relu, capturing both nodes and the conv input:
 * const pattern: NodePattern = { op: 'Relu', bind: 'act', inputs: [{ op: 'Conv', bind: 'conv', inputs: [{ bind: 'x' }] }] };
 */
export interface NodePattern {
  op: string | readonly string[];
  /** Name under which the matched node is captured. */
  bind?: string;
  /** Input patterns by position; shorter than the node's inputs means "the rest are free". */
  inputs?: readonly (InputPattern | undefined)[];
  /** Extra condition on the node. */
  where?: (node: Node) => boolean;
  /** A two-input op whose operands may come in either order (Add, Mul): try both. */
  commutative?: boolean;
  /**
   * For non-anchor nodes: every output must be read only by the pattern's next node, and must
   * not be a graph output (default true), so rewriting can drop it.
   */
  exclusive?: boolean;
}

/** An input: either produced by a node matching a pattern, or any tensor (optionally constant). */
export type InputPattern = NodePattern | TensorPattern;

export interface TensorPattern {
  tensor: true;
  bind?: string;
  constant?: boolean;
  where?: (value: Value) => boolean;
}

export interface Match {
  nodes: Map<string, Node>;
  tensors: Map<string, Value>;
  /** Every node the pattern covered, anchor last. */
  covered: Node[];
}

export function matchAt(graph: Graph, anchor: Node, pattern: NodePattern): Match | undefined {
  const match: Match = { nodes: new Map(), tensors: new Map(), covered: [] };
  return matchNode(graph, anchor, pattern, match, true) ? match : undefined;
}

function matchNode(graph: Graph, node: Node, pattern: NodePattern, match: Match, isAnchor: boolean): boolean {
  const ops = typeof pattern.op === 'string' ? [pattern.op] : pattern.op;
  if (!ops.includes(qualifiedOp(node))) return false;
  if (pattern.where && !pattern.where(node)) return false;
  if (!isAnchor && pattern.exclusive !== false && !isExclusive(graph, node, match)) return false;
  if (!pattern.commutative || node.inputs.length !== 2) return matchInputs(graph, node, pattern, node.inputs, match);
  const saved = { nodes: new Map(match.nodes), tensors: new Map(match.tensors), covered: [...match.covered] };
  if (matchInputs(graph, node, pattern, node.inputs, match)) return true;
  match.nodes = saved.nodes;
  match.tensors = saved.tensors;
  match.covered = saved.covered;
  return matchInputs(graph, node, pattern, [node.inputs[1], node.inputs[0]], match);
}

function matchInputs(graph: Graph, node: Node, pattern: NodePattern, inputs: readonly (Value | undefined)[], match: Match): boolean {
  for (const [index, inputPattern] of (pattern.inputs ?? []).entries()) {
    if (inputPattern === undefined) continue;
    const value = inputs[index];
    if (value === undefined) return false;
    if ('tensor' in inputPattern) {
      if (inputPattern.constant === true && !value.isConstant) return false;
      if (inputPattern.constant === false && value.isConstant) return false;
      if (inputPattern.where && !inputPattern.where(value)) return false;
      if (inputPattern.bind) {
        const previous = match.tensors.get(inputPattern.bind);
        if (previous !== undefined && previous !== value) return false;
        match.tensors.set(inputPattern.bind, value);
      }
      continue;
    }
    const producer = value.producer;
    if (!producer || !graph.nodes.includes(producer)) return false;
    if (!matchNode(graph, producer, inputPattern, match, false)) return false;
  }
  if (pattern.bind) match.nodes.set(pattern.bind, node);
  match.covered.push(node);
  return true;
}

/** `Conv` for ai.onnx ops, `kiln.FusedConv` for other domains: how patterns name ops. */
export function qualifiedOp(node: Node): string {
  return node.domain === '' || node.domain === 'ai.onnx' ? node.op : `${node.domain}.${node.op}`;
}

/** Outputs of `node` are consumed by exactly one node and are not graph outputs. */
function isExclusive(graph: Graph, node: Node, _match: Match): boolean {
  for (const output of node.outputs) {
    if (!output) continue;
    if (graph.outputs.includes(output)) return false;
    if (output.consumers.length !== 1) return false;
  }
  return true;
}

/** A rewrite gets the match and changes the graph; it returns false to decline. */
export type Rewrite = (graph: Graph, match: Match) => boolean;

/** Apply `[pattern, rewrite]` pairs to every node until nothing changes; returns the number of rewrites. */
export function rewriteAll(graph: Graph, rules: readonly (readonly [NodePattern, Rewrite])[]): number {
  let total = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const node of [...graph.nodes]) {
      if (!graph.nodes.includes(node)) continue;
      for (const [pattern, rewrite] of rules) {
        const match = matchAt(graph, node, pattern);
        if (match && rewrite(graph, match)) {
          total++;
          changed = true;
          break;
        }
      }
    }
  }
  return total;
}
