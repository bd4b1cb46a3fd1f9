import type { Graph, Model, Node, Value } from '@kiln/onnx-tools';
import { dimSymbols } from '@kiln/runtime';
import type { PassContext } from '../pass.js';
import type { PrecisionPlan } from '../precision.js';
import { lowerFused } from './fused.js';
import { referenceLayer } from './reference.js';
import { findRule } from './rules.js';
import type { LoweredLayer } from './types.js';

/** Element types the native executor moves. */
export const NATIVE_DTYPES = new Set(['float32', 'int64', 'int32', 'bool']);

/**
 * Turn the optimized graph into layers: each node goes to its native lowering rule when one
 * applies, every tensor it touches has a native dtype and a shape computable from the inputs'
 * dims, and the lowering produces every output someone reads; otherwise to a reference layer.
 * Single-layer lowerings remember their node, so tactic selection can still fall back.
 */
export function lowerGraph(model: Model, context: PassContext, precision?: PrecisionPlan): LoweredLayer[] {
  const graph = model.graph;
  const inputSymbols = new Set<string>();
  for (const input of graph.inputs) for (const dim of input.shape ?? []) if (typeof dim === 'string') for (const symbol of dimSymbols(dim)) inputSymbols.add(symbol);
  const graphOutputs = new Set<Value>(graph.outputs);
  const layers: LoweredLayer[] = [];
  for (const node of graph.nodes) {
    const sources = context.sources(node);
    const native = node.subgraphs().length === 0 ? lowerNode(node, sources, model, graph, precision) : undefined;
    // Checked on what the native layers read and write, not on every node input: an input the
    // kernel does not take (Resize's empty roi, say) must not send the node to reference code.
    if (native?.every((layer) => nativeTensors([...layer.inputs, ...layer.outputs], inputSymbols)) && producesEverythingRead(node, native, graphOutputs)) {
      if (native.length === 1) native[0]!.origin = node;
      layers.push(...native);
    } else {
      layers.push(referenceLayer(node, sources));
    }
  }
  return layers;
}

function lowerNode(node: Node, sources: string[], model: Model, graph: Graph, precision?: PrecisionPlan): LoweredLayer[] | undefined {
  if (node.domain === 'kiln' && (node.op === 'FusedConv' || node.op === 'FusedGemm')) return lowerFused(node, sources, graph, precision);
  const rule = findRule(node);
  const layers = rule?.(node, sources, model.opset(node.domain) ?? 1);
  // MatMul between two activations: bf16_matmul tactics join f32_matmul's where bf16 may run.
  const matmul = layers?.length === 1 && layers[0]!.family === 'f32_matmul' ? precision?.matmulCandidates(layers[0]!.name) : undefined;
  if (matmul) Object.assign(layers![0]!, matmul);
  return layers;
}

/**
 * Native kernels need native dtypes, no empty tensors (the executor refuses them), and dims that
 * the runtime can compute from the input shapes alone (not data-dependent extents).
 */
function nativeTensors(values: readonly (Value | undefined)[], inputSymbols: ReadonlySet<string>): boolean {
  return values.every((value) => {
    if (value === undefined) return true;
    if (value.dtype === undefined || !NATIVE_DTYPES.has(value.dtype) || value.shape === undefined) return false;
    return value.shape.every((dim) => dim !== undefined && dim !== 0 && (typeof dim === 'number' || dimSymbols(dim).every((symbol) => inputSymbols.has(symbol))));
  });
}

function producesEverythingRead(node: Node, layers: readonly LoweredLayer[], graphOutputs: ReadonlySet<Value>): boolean {
  const produced = new Set<Value>(layers.flatMap((layer) => layer.outputs));
  return node.outputs.every((value) => value === undefined || produced.has(value) || (value.consumers.length === 0 && !graphOutputs.has(value)));
}
