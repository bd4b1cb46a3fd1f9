import type { Graph, Model, Node } from '@kiln/onnx-tools';
import type { PassContext } from '../pass.js';
import { lowerFused } from './fused.js';
import { referenceLayer } from './reference.js';
import { findRule } from './rules.js';
import type { LoweredLayer } from './types.js';

/** Element types the native executor moves. */
export const NATIVE_DTYPES = new Set(['float32', 'int64', 'int32', 'bool']);

/**
 * Turn the optimized graph into layers: each node goes to its native lowering rule when one
 * applies (and every tensor it touches has a native dtype), otherwise to a reference layer.
 */
export function lowerGraph(model: Model, context: PassContext): LoweredLayer[] {
  const graph = model.graph;
  const layers: LoweredLayer[] = [];
  for (const node of graph.nodes) {
    const sources = context.sources(node);
    const native = nativeDtypes(node) ? lowerNode(node, sources, model, graph) : undefined;
    layers.push(...(native ?? [referenceLayer(node, sources)]));
  }
  return layers;
}

function lowerNode(node: Node, sources: string[], model: Model, graph: Graph): LoweredLayer[] | undefined {
  if (node.domain === 'kiln' && (node.op === 'FusedConv' || node.op === 'FusedGemm')) return lowerFused(node, sources, graph);
  const rule = findRule(node);
  return rule?.(node, sources, model.opset(node.domain) ?? 1);
}

function nativeDtypes(node: Node): boolean {
  if (node.subgraphs().length > 0) return false;
  return [...node.inputs, ...node.outputs].every((value) => value === undefined || (value.dtype !== undefined && NATIVE_DTYPES.has(value.dtype) && value.shape !== undefined));
}
