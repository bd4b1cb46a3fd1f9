import { Constant, type Graph, Node, type Value, Variable } from '@kiln/onnx-tools';
import { dimSymbols } from '@kiln/runtime';
import type { PassContext } from './pass.js';

/** Kiln's own ops (fused layers) live in this domain. */
export const KILN_DOMAIN = 'kiln';

/** Float32 values of a constant, or undefined when the tensor is not a float32 constant. */
export function floatValues(value: Value | undefined): Float32Array | undefined {
  if (!value || !(value instanceof Constant) || value.dtype !== 'float32') return undefined;
  return value.values.data as Float32Array;
}

/** The values of a constant of any numeric dtype as numbers, or undefined when not a constant. */
export function constantNumbers(value: Value | undefined): number[] | undefined {
  if (!value || !(value instanceof Constant)) return undefined;
  return Array.from(value.values.data as ArrayLike<number | bigint>, (item) => Number(item));
}

/** Read by exactly one node and not a graph output: a pass may fold its producer away. */
export function exclusive(graph: Graph, value: Value): boolean {
  return value.consumers.length === 1 && !graph.outputs.includes(value);
}

/** A scalar (any single-element constant of a numeric type) as a number. */
export function scalarValue(value: Value | undefined): number | undefined {
  if (!value || !(value instanceof Constant)) return undefined;
  const size = value.shape.reduce((product, dim) => product * dim, 1);
  if (size !== 1) return undefined;
  const data = value.values.data as ArrayLike<number | bigint>;
  const first = data[0];
  return typeof first === 'bigint' ? Number(first) : typeof first === 'number' ? first : undefined;
}

export function newConstant(context: PassContext, graph: Graph, base: string, dims: readonly number[], data: Float32Array): Constant {
  return new Constant(context.freshName(graph, base), { type: 'float32', dims: [...dims], data });
}

/** Replace `oldNodes` (already matched) by `node`, which takes over `output`. Keeps the order valid. */
export function replaceNodes(graph: Graph, oldNodes: readonly Node[], node: Node): void {
  const position = Math.min(...oldNodes.map((old) => graph.nodes.indexOf(old)).filter((index) => index >= 0));
  for (const old of oldNodes) graph.removeNode(old);
  graph.nodes.splice(Number.isFinite(position) ? position : graph.nodes.length, 0, node);
}

/** Attribute readers with ONNX defaults. */
export function intAttribute(node: Node, name: string, fallback: number): number {
  const attribute = node.attributes.get(name);
  return attribute?.type === 'int' ? attribute.value : fallback;
}

export function floatAttribute(node: Node, name: string, fallback: number): number {
  const attribute = node.attributes.get(name);
  return attribute?.type === 'float' ? attribute.value : fallback;
}

export function intsAttribute(node: Node, name: string): number[] | undefined {
  const attribute = node.attributes.get(name);
  return attribute?.type === 'ints' ? attribute.value : undefined;
}

export function stringAttribute(node: Node, name: string, fallback: string): string {
  const attribute = node.attributes.get(name);
  return attribute?.type === 'string' ? attribute.value : fallback;
}

/** A new float32 variable shaped like `like`. */
export function variableLike(context: PassContext, graph: Graph, like: Value, base: string): Variable {
  return new Variable(context.freshName(graph, base), like.dtype, like.shape);
}

export function isKilnOp(node: Node, op: string): boolean {
  return node.domain === KILN_DOMAIN && node.op === op;
}

/** `node` is the standard ONNX operator `op` (default domain, written '' or 'ai.onnx'). */
export function isOnnxOp(node: Node, op: string): boolean {
  return (node.domain === '' || node.domain === 'ai.onnx') && node.op === op;
}

/** float32 with every dim known, nonzero and computable from the graph inputs' dims: what native layers need. */
export function nativeFloat(graph: Graph): (value: Value | undefined) => boolean {
  const symbols = new Set(graph.inputs.flatMap((input) => (input.shape ?? []).flatMap((dim) => (typeof dim === 'string' ? dimSymbols(dim) : []))));
  return (value) =>
    value?.dtype === 'float32' &&
    value.shape !== undefined &&
    value.shape.every((dim) => dim !== undefined && dim !== 0 && (typeof dim === 'number' || dimSymbols(dim).every((symbol) => symbols.has(symbol))));
}

/** Both shapes known and equal dim by dim (numbers or the same symbol). */
export function sameShape(a: Value, b: Value): boolean {
  const x = a.shape;
  const y = b.shape;
  return x !== undefined && y !== undefined && x.length === y.length && x.every((dim, i) => dim !== undefined && dim === y[i]);
}

export { Node };
