/**
 * Shape and type inference over the IR.
 *
 * `inferShapes(model)` walks every graph in topological order, applies the op's rule from
 * `registry.ts` and records the results on the IR **in place**: each node output
 * {@link Variable} gets `dtype` and `shape`, intermediate tensors are appended to
 * `graph.valueInfo` (so a saved model keeps them), and graph inputs take the shapes of
 * `options.inputShapes`. The same model object is returned with the warnings collected on the
 * way; clone the model first to keep the original.
 */
import { KilnError } from '@kiln/common';
import type { Tensor } from '../../tensor.js';
import type { Attributes } from '../attribute.js';
import type { Graph } from '../ir/graph.js';
import type { Model } from '../ir/model.js';
import type { Node } from '../ir/node.js';
import { Constant, type Shape, type Value, Variable } from '../ir/value.js';
import { canonical } from './dims.js';
import { findShapeRule } from './registry.js';
import { constantNodeValue, tensorValue } from './rules/misc.js';
import { type Dim, type ShapeContext, type ValueInfo, formatDims, shapeError } from './types.js';
import { MAX_TRACKED_ELEMENTS, propagateValue } from './values.js';

export { findShapeRule, supportedShapeOps } from './registry.js';
export type { Dim, ShapeContext, ShapeRule, ValueInfo } from './types.js';

/** Options of {@link inferShapes}. */
export interface InferShapesOptions {
  /**
   * Shapes for graph inputs by name, replacing the declared ones (e.g. an optimization
   * profile's shapes). Dims may be numbers or symbols.
   */
  inputShapes?: Record<string, Dim[]>;
  /**
   * Element values of graph inputs known at build time, by name: TensorRT's shape-tensor inputs
   * (an optimization profile fixes them), e.g. `{ target_shape: [1, 'S', 256] }`. Consumers
   * such as Reshape, Expand, Slice and Resize use them like constants.
   */
  inputValues?: Record<string, Dim[]>;
  /** Throw ERR_UNSUPPORTED_OP for ops without a rule, and on conflicts with recorded shapes. */
  strict?: boolean;
}

/** A non-fatal finding: an op without a rule, a body that could not be inferred, a conflict. */
export interface ShapeWarning {
  node: string;
  opType: string;
  message: string;
}

/** What {@link inferShapes} returns. */
export interface InferShapesResult {
  /** The same model, with shapes recorded. */
  model: Model;
  warnings: ShapeWarning[];
  /** Known element values of small integer tensors (shape tensors), by tensor name. */
  shapeValues: Map<string, Dim[]>;
}

const DEFAULT_OPSET = 21;

/** Per-run state: every tensor's inferred info and the fresh-symbol counter. */
class Inference {
  readonly infos = new Map<Value, ValueInfo>();
  readonly warnings: ShapeWarning[] = [];
  private readonly usedSymbols = new Set<string>();
  private nextFresh = 0;

  constructor(
    readonly model: Model,
    readonly options: InferShapesOptions,
  ) {
    collectSymbols(model.graph, this.usedSymbols);
  }

  /** A new `unk__<k>` symbol no tensor of the model uses yet. */
  freshDim(): string {
    for (;;) {
      const name = `unk__${this.nextFresh++}`;
      if (!this.usedSymbols.has(name)) return name;
    }
  }

  /** Declared dims, with unknown dims replaced by fresh symbols. */
  fromDeclared(shape: Shape | undefined): Dim[] | undefined {
    return shape?.map((d) => (d === undefined || d === '' ? this.freshDim() : d));
  }

  infoOf(value: Value): ValueInfo {
    const known = this.infos.get(value);
    if (known) return known;
    let info: ValueInfo;
    if (value instanceof Constant) {
      const small = value.size <= MAX_TRACKED_ELEMENTS;
      const tensorValues = small && value.dtype !== 'string' ? safeValue(value) : undefined;
      info = { type: value.dtype, dims: [...value.shape], ...(tensorValues ? { value: tensorValues } : {}) };
    } else {
      info = { type: value.dtype, dims: this.fromDeclared(value.shape) };
    }
    this.infos.set(value, info);
    return info;
  }

  run(graph: Graph, inputs?: readonly ValueInfo[]): ValueInfo[] {
    graph.inputs.forEach((input, i) => {
      const given = inputs?.[i];
      const override = graph === this.model.graph ? this.options.inputShapes?.[input.name] : undefined;
      if (input instanceof Variable) {
        if (override) input.shape = [...override];
        const declared = this.infoOf(input);
        let info = given ? mergeInfo(given, declared) : declared;
        const known = graph === this.model.graph ? this.options.inputValues?.[input.name] : undefined;
        if (known) info = { ...info, value: [...known] };
        this.infos.set(input, info);
        if (given) record(input, info);
      }
    });
    graph.toposort();
    for (const node of graph.nodes) this.inferNode(node, graph);
    return graph.outputs.map((output) => this.infoOf(output));
  }

  private inferNode(node: Node, graph: Graph): void {
    const nodeName = node.name || `(unnamed, output '${node.outputs[0]?.name ?? ''}')`;
    const opset = (node.domain === '' || node.domain === 'ai.onnx' ? this.model.opset('') : this.model.opset(node.domain)) ?? DEFAULT_OPSET;
    const inputs = node.inputs.map((value) => (value ? this.infoOf(value) : { type: undefined, dims: undefined }));
    const context: ShapeContext<Graph> = {
      opType: node.op,
      domain: node.domain,
      nodeName,
      opset,
      outputCount: node.outputs.length,
      hasInput: (i) => node.inputs[i] !== undefined,
      constantInput: (i) => constantOf(node.inputs[i]),
      valueInput: (i) => {
        const value = node.inputs[i];
        return value === undefined ? undefined : this.infoOf(value).value;
      },
      freshDim: () => this.freshDim(),
      warn: (message) => this.warnings.push({ node: nodeName, opType: node.op, message }),
      inferSubgraph: (subgraph, subgraphInputs) => this.run(subgraph, subgraphInputs),
    };
    const rule = findShapeRule(node.domain, node.op);
    let outputs: ValueInfo[];
    if (rule === undefined) {
      const op = node.domain === '' ? node.op : `${node.domain}.${node.op}`;
      if (this.options.strict) {
        throw new KilnError('ERR_UNSUPPORTED_OP', `${op} '${nodeName}': no shape inference rule`, {
          where: `node '${nodeName}' (${op})`,
          hint: 'pass { strict: false } to leave its outputs unknown, or add a rule in onnx-tools shapes/registry.ts',
        });
      }
      context.warn(`no shape inference rule for ${op}; its outputs are left unknown`);
      outputs = [];
    } else {
      try {
        outputs = rule(inputs, node.attributes as Attributes<Graph>, context);
      } catch (error) {
        if (KilnError.isInstance(error)) throw error;
        throw shapeError(context, `inference failed (${String(error)})`, {
          found: `inputs ${inputs.map((i) => `${i.type ?? '?'}${formatDims(i.dims)}`).join(', ')}`,
        });
      }
    }
    node.outputs.forEach((output, i) => {
      if (output === undefined || !(output instanceof Variable)) return;
      let info = outputs[i] ?? { type: undefined, dims: undefined };
      if (i === 0 && info.value === undefined) {
        const value = propagateValue(inputs, info, context);
        if (value !== undefined) info = { ...info, value };
      }
      const declared = output.dtype !== undefined || output.shape !== undefined ? { type: output.dtype, dims: this.fromDeclared(output.shape) } : undefined;
      if (declared) info = this.reconcile(info, declared, context, output.name);
      this.infos.set(output, info);
      record(output, info);
      if (!graph.outputs.includes(output) && !graph.valueInfo.includes(output)) graph.valueInfo.push(output);
    });
  }

  /** Merges inference with a recorded value_info; conflicts are warnings (errors if strict). */
  private reconcile(inferred: ValueInfo, declared: ValueInfo, context: ShapeContext, name: string): ValueInfo {
    const conflict = (what: string) => {
      const message = `tensor '${name}': inferred ${what} conflicts with the recorded value_info`;
      if (this.options.strict) throw shapeError(context, message);
      context.warn(message);
    };
    if (inferred.type !== undefined && declared.type !== undefined && inferred.type !== declared.type) {
      conflict(`type ${inferred.type} (recorded ${declared.type})`);
    }
    const merged = mergeInfo(inferred, declared);
    if (inferred.dims && declared.dims) {
      const clash =
        inferred.dims.length !== declared.dims.length ||
        inferred.dims.some((d, k) => typeof d === 'number' && typeof declared.dims?.[k] === 'number' && d !== declared.dims[k]);
      if (clash) conflict(`shape ${formatDims(inferred.dims)} (recorded ${formatDims(declared.dims)})`);
    }
    return merged;
  }
}

/** Inference first; a recorded dim fills in where inference has only a fresh symbol. */
function mergeInfo(inferred: ValueInfo, declared: ValueInfo): ValueInfo {
  const type = inferred.type ?? declared.type;
  let dims = inferred.dims ?? declared.dims;
  if (inferred.dims && declared.dims && inferred.dims.length === declared.dims.length) {
    const other = declared.dims;
    dims = inferred.dims.map((d, k) => {
      const o = other[k] as Dim;
      if (typeof d === 'number') return d;
      if (typeof o === 'number') return o;
      return isFresh(d) && !isFresh(o) ? o : d;
    });
  }
  return { type, dims, ...(inferred.value === undefined ? {} : { value: inferred.value }) };
}

function isFresh(dim: Dim): boolean {
  return typeof dim === 'string' && dim.startsWith('unk__');
}

function record(variable: Variable, info: ValueInfo): void {
  if (info.type !== undefined) variable.dtype = info.type;
  if (info.dims !== undefined) variable.shape = info.dims.map((d) => (typeof d === 'string' ? canonical(d) : d));
}

function safeValue(constant: Constant): Dim[] | undefined {
  try {
    return tensorValue(constant.values);
  } catch {
    return undefined;
  }
}

function constantOf(value: Value | undefined): Tensor | undefined {
  if (value instanceof Constant) return value.values;
  const producer = value?.producer;
  if (producer?.op === 'Constant' && (producer.domain === '' || producer.domain === 'ai.onnx')) return constantNodeValue(producer.attributes);
  return undefined;
}

function collectSymbols(graph: Graph, into: Set<string>): void {
  for (const value of graph.tensors().values()) for (const d of value.shape ?? []) if (typeof d === 'string') into.add(d);
  for (const node of graph.nodes) for (const subgraph of node.subgraphs()) collectSymbols(subgraph, into);
}

/**
 * Infers the element type and shape of every tensor of `model` and records them in the IR (in
 * place; see the file comment). Symbolic dims stay symbolic (`'N'`, `'3*N'`); extents nothing
 * can tell become fresh `unk__<k>` symbols.
 *
 * Throws ERR_SHAPE_INFERENCE naming the node when inputs are inconsistent (e.g. MatMul inner
 * dims differ). Ops without a rule leave their outputs unknown and add a warning, or throw
 * ERR_UNSUPPORTED_OP with `strict`.
 *
 * @example
 * ```ts
 * const { warnings } = inferShapes(model, { inputShapes: { input: [8, 3, 224, 224] } });
 * model.graph.outputs[0]?.shape; // [8, 1000]
 * ```
 */
export function inferShapes(model: Model, options: InferShapesOptions = {}): InferShapesResult {
  const inference = new Inference(model, options);
  inference.run(model.graph);
  const shapeValues = new Map<string, Dim[]>();
  for (const [value, info] of inference.infos) if (info.value !== undefined && !(value instanceof Constant)) shapeValues.set(value.name, info.value);
  return { model, warnings: inference.warnings, shapeValues };
}
