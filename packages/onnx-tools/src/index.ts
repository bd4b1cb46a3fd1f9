// Public surface of @kiln/onnx-tools. Internals live under src/internal/.
import { findOp } from './internal/ops/registry.js';
import type { Model } from './internal/ir/model.js';
import { loadModel, loadTensorProto } from './internal/io/load.js';
import { type SaveToFileOptions, saveModel, saveModelToFile, saveTensorProto } from './internal/io/save.js';
import type { Tensor } from './tensor.js';
import { type EvaluateOptions, evaluateModel } from './internal/evaluate/index.js';
import { type Inspection, formatInspectionText, inspectModel } from './internal/inspect/index.js';
import { type SanitizeOptions, sanitizeModel } from './internal/sanitize/index.js';
import { inferShapes } from './internal/shapes/index.js';

export type { Tensor, TensorType, TensorDataMap } from './tensor.js';
export type { AttributeValue, Attributes } from './internal/attribute.js';
export type { EvaluateOptions } from './internal/evaluate/index.js';
export type { Inspection, TensorSummary } from './internal/inspect/index.js';
export type { SanitizeOptions } from './internal/sanitize/index.js';
export { GraphBuilder, type LayerInput, type LayerOptions, type ToModelOptions } from './internal/builder/graph-builder.js';
export type { AttributeInput } from './internal/builder/attributes.js';
export { inferShapes, type InferShapesOptions, type InferShapesResult, type ShapeWarning } from './internal/shapes/index.js';
export type { ExternalDataOptions, SaveToFileOptions } from './internal/io/save.js';
export {
  Constant, Graph, Model, Node, Variable, TensorBase,
  type AttributeReference, type CleanupOptions, type ConstantSource, type Dim, type ElementType,
  type ModelFunction, type NodeInit, type Shape, type Value, type ValueType,
} from './internal/ir/index.js';

/**
 * Load an ONNX model from a file path or from bytes. Initializers are decoded lazily (on first
 * access to `Constant.values`); external data files next to the model are read once each.
 * Throws KilnError `ERR_ONNX_PARSE` for bytes that are not a model, `ERR_ONNX_DANGLING` for a
 * node input nothing defines, `ERR_ONNX_EXTERNAL_DATA` for bad external data references.
 *
 * @example
 * ```ts
 * import { load } from '@kiln/onnx-tools';
 * const model = await load('mobilenet_v2.onnx');
 * console.log(model.graph.inputs.map((x) => `${x.name} ${x.dtype} [${x.shape}]`));
 * ```
 */
export function load(pathOrBytes: string | Uint8Array): Promise<Model> {
  return loadModel(pathOrBytes);
}

/**
 * Serialize a model to ONNX protobuf bytes (external data inlined). Unchanged initializers and
 * attributes are written bit-identically to how they were read.
 *
 * @example
 * ```ts
 * import { load, save } from '@kiln/onnx-tools';
 * import { writeFileSync } from 'node:fs';
 * const model = await load('model.onnx');
 * model.graph.cleanup();
 * writeFileSync('clean.onnx', save(model));
 * ```
 */
export function save(model: Model): Uint8Array {
  return saveModel(model);
}

/**
 * Write a model file. With `externalData`, initializers of at least `sizeThreshold` bytes
 * (default 1024) go to one data file next to the model (`location`, default `<file>.data`),
 * as ONNX does for models over 2 GiB.
 *
 * @example
 * ```ts
 * import { load, saveToFile } from '@kiln/onnx-tools';
 * const model = await load('big.onnx');
 * await saveToFile(model, 'out/big.onnx', { externalData: { location: 'big.weights', sizeThreshold: 4096 } });
 * ```
 */
export function saveToFile(model: Model, path: string, options?: SaveToFileOptions): Promise<void> {
  return saveModelToFile(model, path, options);
}

/**
 * Decode a serialized ONNX TensorProto (e.g. a backend node test's `input_0.pb`).
 *
 * @example
 * ```ts
 * import { loadTensor } from '@kiln/onnx-tools';
 * import { readFileSync } from 'node:fs';
 * const x = loadTensor(readFileSync('test_relu/test_data_set_0/input_0.pb'));
 * console.log(x.type, x.dims);
 * ```
 */
export function loadTensor(bytes: Uint8Array): Tensor {
  return loadTensorProto(bytes);
}

/**
 * Encode a tensor as a serialized ONNX TensorProto (raw_data, little-endian).
 *
 * @example
 * ```ts
 * import { saveTensor, loadTensor } from '@kiln/onnx-tools';
 * const bytes = saveTensor({ type: 'float32', dims: [2], data: new Float32Array([1, 2]) }, 'x');
 * loadTensor(bytes); // { type: 'float32', dims: [2], data: Float32Array [1, 2] }
 * ```
 */
export function saveTensor(tensor: Tensor, name?: string): Uint8Array {
  return saveTensorProto(tensor, name);
}

/**
 * Evaluate a model with the plain-TypeScript reference ops (a test oracle, not a fast runtime).
 * Model-local functions are expanded at their call sites; intermediates are freed after their
 * last use. Throws `ERR_UNSUPPORTED_OP` (naming node, op, domain, opset) before running anything
 * when an op has no reference implementation, `ERR_ONNX_OPSET` for too new an opset, and
 * `ERR_EVALUATE` (naming the node, with the op's error as `cause`) when a node fails.
 *
 * @example
 * ```ts
 * import { evaluate, load } from '@kiln/onnx-tools';
 * const model = await load('squeezenet1_1.onnx');
 * const input = { type: 'float32', dims: [1, 3, 224, 224], data: new Float32Array(3 * 224 * 224) } as const;
 * const { logits } = await evaluate(model, { input });
 * console.log(logits.dims); // [1, 1000]
 * ```
 */
export function evaluate(model: Model, feeds: Readonly<Record<string, Tensor>>, options?: EvaluateOptions): Promise<Record<string, Tensor>> {
  return evaluateModel(model, feeds, options);
}

/**
 * Fold constants like Polygraphy's `surgeon sanitize --fold-constants`: every node whose inputs
 * are all constants is evaluated with the reference ops and replaced by an initializer, Shape
 * and Size of statically known shapes (after shape inference) become constants too, repeated
 * until nothing changes; then dead nodes and unused initializers are removed. Returns a new
 * model; the outputs it computes are unchanged. Folded tensors over `foldSizeThreshold` bytes
 * stay as nodes.
 *
 * @example
 * ```ts
 * import { load, sanitize, save } from '@kiln/onnx-tools';
 * const folded = await sanitize(await load('bert_mini.onnx'), { foldSizeThreshold: 16 << 20 });
 * console.log(folded.graph.nodes.length);
 * ```
 */
export function sanitize(model: Model, options: SanitizeOptions = {}): Promise<Model> {
  return sanitizeModel(model, { inferShapes: (m) => inferShapes(m), ...options });
}

/**
 * Summarize a model as plain data: inputs/outputs with dtypes and shapes, op histogram,
 * parameter count and bytes (without decoding weights), opsets, producer, IR version.
 *
 * @example
 * ```ts
 * import { inspect, load } from '@kiln/onnx-tools';
 * const info = inspect(await load('mobilenet_v2.onnx'));
 * console.log(info.inputs[0], info.ops.Conv, info.parameters.elements);
 * ```
 */
export function inspect(model: Model): Inspection {
  return inspectModel(model);
}

/**
 * Render {@link inspect}'s result as text (what `kiln inspect --onnx` prints).
 *
 * @example
 * ```ts
 * import { formatInspection, inspect, load } from '@kiln/onnx-tools';
 * console.log(formatInspection(inspect(await load('squeezenet1_1.onnx'))));
 * ```
 */
export function formatInspection(inspection: Inspection): string {
  return formatInspectionText(inspection);
}

/**
 * Whether the reference evaluator implements an op at an opset (what `evaluate` and constant
 * folding can run, and what Kiln's builder can fall back to).
 *
 * @example
 * ```ts
 * import { supportsOp } from '@kiln/onnx-tools';
 * supportsOp('', 'Conv', 17); // true
 * ```
 */
export function supportsOp(domain: string, opType: string, opset: number): boolean {
  return findOp(domain, opType, opset) !== undefined;
}
