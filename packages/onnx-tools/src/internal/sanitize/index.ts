// Polygraphy-style `surgeon sanitize --fold-constants`: fold every node whose inputs are
// constants (and Shape/Size of statically known shapes), repeat until nothing changes, clean up.
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import { evaluateNode } from '../evaluate/index.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Constant, type Value } from '../ir/value.js';
import { modelFromProto } from '../io/from-proto.js';
import { modelToProto } from '../io/to-proto.js';
import { constantNodeValue, staticShapeValue } from './constant-node.js';

/** Options of {@link sanitizeModel}. */
export interface SanitizeOptions {
  /** Fold constants (default true). */
  foldConstants?: boolean;
  /** Don't materialize a folded tensor larger than this many bytes (default: no limit). */
  foldSizeThreshold?: number;
  /** Fold Shape/Size of tensors with static shapes (default true; uses inferShapes when given). */
  foldShapes?: boolean;
  /** Shape inference to run before each folding pass (records dtype/shape on Variables). */
  inferShapes?: (model: Model) => unknown;
  /** Passes before giving up on reaching a fixed point (default 10). */
  maxPasses?: number;
}

const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

function byteSize(tensor: Tensor): number {
  if (tensor.type === 'string') return (tensor.data as string[]).reduce((n, s) => n + s.length, 0);
  return (tensor.data as ArrayBufferView).byteLength;
}

/** Replace `variable` by `constant` everywhere in the graph (consumers and graph outputs). */
function replaceTensor(graph: Graph, variable: Value, constant: Constant): void {
  for (const consumer of variable.consumers) consumer.replaceInput(variable, constant);
  graph.outputs = graph.outputs.map((v) => (v === variable ? constant : v));
}

function staticDims(value: Value | undefined): number[] | undefined {
  if (!value?.shape || value.shape.some((d) => typeof d !== 'number' || d < 0)) return undefined;
  return value.shape as number[];
}

/** Try to fold one node; returns true when it was replaced by constants. */
async function foldNode(graph: Graph, node: Node, model: Model, options: SanitizeOptions, overridable: Set<Value>): Promise<boolean> {
  if (NONDETERMINISTIC.has(node.op) || node.subgraphs().length > 0 || node.outputs.every((v) => v === undefined)) return false;
  let outputs: (Tensor | undefined)[] | undefined;
  if ((node.domain === '' || node.domain === 'ai.onnx') && node.op === 'Constant') {
    const value = constantNodeValue(node);
    outputs = value ? [value] : undefined;
  } else if ((options.foldShapes ?? true) && (node.domain === '' || node.domain === 'ai.onnx') && (node.op === 'Shape' || node.op === 'Size')) {
    const dims = staticDims(node.inputs[0]);
    if (dims) outputs = [staticShapeValue(node, dims) as Tensor];
  }
  if (!outputs) {
    const inputs = node.inputs.filter((v): v is Value => v !== undefined);
    if (!inputs.every((v) => v instanceof Constant && !overridable.has(v))) return false;
    try {
      outputs = await evaluateNode(node, node.inputs.map((v) => (v instanceof Constant ? v.values : undefined)), model);
    } catch (error) {
      if (KilnError.isInstance(error)) return false; // unsupported or failing op: leave it in the graph
      throw error;
    }
  }
  const limit = options.foldSizeThreshold ?? Number.POSITIVE_INFINITY;
  if (node.outputs.some((v, i) => v !== undefined && (outputs?.[i] === undefined || byteSize(outputs[i] as Tensor) > limit))) return false;
  node.outputs.forEach((variable, i) => {
    if (!variable) return;
    const constant = new Constant(variable.name, outputs?.[i] as Tensor);
    graph.valueInfo = graph.valueInfo.filter((v) => v !== variable);
    replaceTensor(graph, variable, constant);
    graph.initializers.push(constant);
  });
  graph.removeNode(node);
  return true;
}

/** Fold constants in a copy of `model` until a fixed point, then remove dead nodes. */
export async function sanitizeModel(input: Model, options: SanitizeOptions = {}): Promise<Model> {
  const model = modelFromProto(modelToProto(input));
  const graph = model.graph;
  if (options.foldConstants ?? true) {
    const overridable = new Set<Value>(graph.inputs.filter((v) => v instanceof Constant));
    for (let pass = 0; pass < (options.maxPasses ?? 10); pass++) {
      if (options.inferShapes) {
        try {
          options.inferShapes(model);
        } catch {
          // Shapes are an optimization here: fold what is foldable without them.
        }
      }
      let changed = false;
      for (const node of graph.sortedNodes()) {
        if (await foldNode(graph, node, model, options, overridable)) changed = true;
      }
      graph.cleanup();
      if (!changed) break;
    }
  }
  graph.cleanup();
  return model;
}

