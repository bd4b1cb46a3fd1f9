import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import { type Value, Variable } from '../ir/value.js';
import { elementCount, payloadBytes } from '../io/tensor-codec.js';

/** One graph input or output as {@link inspectModel} reports it. */
export interface TensorSummary {
  name: string;
  /** Element type, or `'sequence'`/`'map'`/`'optional'`/`'sparse_tensor'`, or `'unknown'`. */
  dtype: string;
  /** Dims (symbolic ones as strings, unknown as `'?'`); `null` when the rank is unknown. */
  shape: (number | string)[] | null;
}

/** Plain-data summary of a model. */
export interface Inspection {
  irVersion: number;
  producer: string;
  domain: string;
  modelVersion: number;
  /** Opset per domain (`ai.onnx` for the default domain). */
  opsets: Record<string, number>;
  inputs: TensorSummary[];
  outputs: TensorSummary[];
  /** Nodes in the main graph and all subgraphs. */
  nodeCount: number;
  /** Op type (prefixed with its domain when not ai.onnx) → count, most frequent first. */
  ops: Record<string, number>;
  /** Initializers of every graph: count, element total and payload bytes (not decoded). */
  parameters: { initializers: number; elements: number; bytes: number };
  /** Model-local functions, as `domain.name`. */
  functions: string[];
  metadata: Record<string, string>;
}

function summarize(value: Value): TensorSummary {
  const kind = value instanceof Variable ? value.valueType?.kind : undefined;
  const dtype = kind && kind !== 'tensor' ? kind : (value.dtype ?? 'unknown');
  const shape = value.shape ? value.shape.map((d) => d ?? '?') : null;
  return { name: value.name, dtype, shape };
}

function walk(graph: Graph, visit: (graph: Graph) => void): void {
  visit(graph);
  for (const node of graph.nodes) for (const subgraph of node.subgraphs()) walk(subgraph, visit);
}

/** Summarize a model without decoding any weights. */
export function inspectModel(model: Model): Inspection {
  const ops = new Map<string, number>();
  let nodeCount = 0;
  const parameters = { initializers: 0, elements: 0, bytes: 0 };
  walk(model.graph, (graph) => {
    for (const node of graph.nodes) {
      nodeCount++;
      const op = node.domain === '' || node.domain === 'ai.onnx' ? node.op : `${node.domain}.${node.op}`;
      ops.set(op, (ops.get(op) ?? 0) + 1);
    }
    for (const constant of graph.initializers) {
      parameters.initializers++;
      parameters.elements += elementCount(constant.shape);
      parameters.bytes += constant.dtype === 'string' ? 0 : payloadBytes(constant.dtype, constant.shape);
    }
  });
  const opsets: Record<string, number> = {};
  for (const [domain, version] of model.opsetImports) opsets[domain === '' ? 'ai.onnx' : domain] = version;
  return {
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    domain: model.domain,
    modelVersion: model.modelVersion,
    opsets,
    inputs: model.graph.inputs.filter((v) => !v.isConstant).map(summarize),
    outputs: model.graph.outputs.map(summarize),
    nodeCount,
    ops: Object.fromEntries([...ops].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    parameters,
    functions: model.functions.map((f) => (f.domain ? `${f.domain}.${f.name}` : f.name)),
    metadata: Object.fromEntries(model.metadata),
  };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

function formatTensor(t: TensorSummary): string {
  return `${t.name}: ${t.dtype} ${t.shape ? `[${t.shape.join(', ')}]` : '(rank unknown)'}`;
}

/** Render an {@link Inspection} as the text `kiln inspect --onnx` prints. */
export function formatInspectionText(inspection: Inspection): string {
  const lines = [
    `IR version: ${inspection.irVersion}`,
    `Producer:   ${inspection.producer || '(none)'}`,
    `Opsets:     ${Object.entries(inspection.opsets).map(([d, v]) => `${d} ${v}`).join(', ') || '(none)'}`,
    `Inputs (${inspection.inputs.length}):`,
    ...inspection.inputs.map((t) => `  ${formatTensor(t)}`),
    `Outputs (${inspection.outputs.length}):`,
    ...inspection.outputs.map((t) => `  ${formatTensor(t)}`),
    `Parameters: ${inspection.parameters.elements.toLocaleString('en-US')} in ${inspection.parameters.initializers} initializers (${formatBytes(inspection.parameters.bytes)})`,
    `Nodes (${inspection.nodeCount}):`,
    ...Object.entries(inspection.ops).map(([op, count]) => `  ${op.padEnd(28)} ${count}`),
  ];
  if (inspection.functions.length) lines.push(`Functions: ${inspection.functions.join(', ')}`);
  const metadata = Object.entries(inspection.metadata);
  if (metadata.length) lines.push('Metadata:', ...metadata.map(([k, v]) => `  ${k}: ${v}`));
  return lines.join('\n');
}
