import { KilnError } from '@kiln/common';
import { Constant, type Graph, type Value } from '@kiln/onnx-tools';
import { type PlanDim, type PlanHeader, type PlanLayer, type PlanProfile, type PlanTensor, compileDim, encodePlan } from '@kiln/runtime';
import { planMemory } from '../memory/plan-memory.js';
import { referenceModel } from '../lower/reference.js';
import type { TensorView } from '../lower/eliminate-concats.js';
import type { LoweredLayer } from '../lower/types.js';
import { targetOf } from './isa.js';

/** Bytes per element of each tensor dtype. @internal */
export const ELEMENT_BYTES: Record<string, number> = { float32: 4, int64: 8, int32: 4, bool: 1, float64: 8, float16: 2, bfloat16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2, uint32: 4, uint64: 8 };

export interface WrittenPlan {
  bytes: Uint8Array;
  header: PlanHeader;
}

/**
 * Assemble the plan: the tensor table (dims as expressions over the inputs' symbolic dims), the
 * arena offsets from liveness at the largest profile shapes, the weight section (raw constants,
 * prepacked weights, reference-layer models; each 64-byte aligned), and the header.
 */
export function writePlan(
  graph: Graph,
  layers: readonly LoweredLayer[],
  profiles: PlanProfile[],
  opsetImports: ReadonlyMap<string, number>,
  kilnVersion: string,
  build: Record<string, unknown>,
  views: ReadonlyMap<Value, TensorView> = new Map(),
): WrittenPlan {
  const blobs: { name: string; bytes: Uint8Array }[] = [];
  const tensors: PlanTensor[] = [];
  const index = new Map<Value, number>();
  const graphInputs = new Set<Value>(graph.inputs);
  const graphOutputs = new Set<Value>(graph.outputs);
  const packedBytes = new Map<Value, Uint8Array>();
  for (const layer of layers) {
    if (layer.packed && layer.tactic) packedBytes.set(layer.inputs[1]!, layer.packed.pack(layer.tactic));
  }
  const tensorIndex = (value: Value): number => {
    const known = index.get(value);
    if (known !== undefined) return known;
    const entry: PlanTensor = { name: value.name, dtype: value.dtype ?? 'float32', dims: planDims(value), location: 'arena' };
    const packed = packedBytes.get(value);
    if (packed) {
      entry.location = 'weights';
      entry.weight = addBlob(blobs, value.name, packed);
      entry.dims = [packed.length / 4];
    } else if (value instanceof Constant) {
      entry.location = 'weights';
      const data = value.values.data as ArrayBufferView;
      entry.weight = addBlob(blobs, value.name, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    } else if (graphInputs.has(value)) {
      entry.location = 'input';
    } else if (graphOutputs.has(value)) {
      entry.location = 'output';
    }
    index.set(value, tensors.length);
    tensors.push(entry);
    return tensors.length - 1;
  };
  const inputs = graph.inputs.filter((value) => !(value instanceof Constant)).map((value) => ({ name: value.name, dtype: value.dtype ?? 'float32', dims: planDims(value), tensor: tensorIndex(value) }));
  const planLayers: PlanLayer[] = layers.map((layer) => {
    const planLayer: PlanLayer = {
      name: layer.name,
      type: layer.type,
      kernel: layer.family === 'reference' ? 'reference' : layer.tactic!,
      inputs: layer.inputs.filter((value): value is Value => value !== undefined).map(tensorIndex),
      outputs: layer.outputs.map(tensorIndex),
      sources: layer.sources,
    };
    if (layer.params) planLayer.params = layer.params;
    if (layer.epilogue && layer.epilogue.length > 0) planLayer.epilogue = layer.epilogue;
    if (layer.node) planLayer.model = addBlob(blobs, `reference:${layer.name}`, referenceModel(layer.node, opsetImports));
    return planLayer;
  });
  const outputs = graph.outputs.map((value) => ({ name: value.name, dtype: value.dtype ?? 'float32', dims: planDims(value), tensor: tensorIndex(value) }));
  const slices = new Map<number, PlanView>();
  for (const [value, view] of views) {
    const id = index.get(value);
    const base = index.get(view.base);
    if (id !== undefined && base !== undefined) slices.set(id, { base, byteOffset: view.elementOffset * (ELEMENT_BYTES[tensors[id]!.dtype] ?? 8), rowStride: view.rowStride });
  }
  const memory = planArena(tensors, planLayers, profiles, inputs, slices);
  const { weights, section } = layoutWeights(blobs);
  const header: PlanHeader = {
    kilnVersion,
    target: targetOf(planLayers.map((layer) => layer.kernel)),
    weights,
    name: graph.name,
    inputs,
    outputs,
    profiles,
    tensors,
    layers: planLayers,
    arenaBytes: memory.arenaBytes,
    activationBytes: memory.totalBytes,
    build,
  };
  return { bytes: encodePlan(header, section), header };
}

/** Dims as plan expressions; unknown extents are -1 (only reference layers may produce those). */
function planDims(value: Value): PlanDim[] {
  return (value.shape ?? []).map((dim) => (dim === undefined ? -1 : dim));
}

function addBlob(blobs: { name: string; bytes: Uint8Array }[], name: string, bytes: Uint8Array): string {
  let unique = name;
  for (let i = 1; blobs.some((blob) => blob.name === unique); i++) unique = `${name}#${i}`;
  blobs.push({ name: unique, bytes });
  return unique;
}

/** Place each blob at the next 64-byte aligned offset of one weight section. */
export function layoutWeights(blobs: readonly { name: string; bytes: Uint8Array }[]) {
  let offset = 0;
  const weights = blobs.map((blob) => {
    const entry = { name: blob.name, offset, byteLength: blob.bytes.length };
    offset = Math.ceil((offset + blob.bytes.length) / 64) * 64;
    return entry;
  });
  const section = new Uint8Array(offset);
  blobs.forEach((blob, i) => section.set(blob.bytes, weights[i]!.offset));
  return { weights, section };
}

/** A tensor placed inside another: concat elimination's slices. */
interface PlanView {
  base: number;
  byteOffset: number;
  rowStride: number;
}

/**
 * Arena offsets for arena tensors from their lifetimes, sized at each profile's max shapes.
 * Aliases get no bytes of their own: a Concat input eliminated into its output (`slices`) sits at
 * its byte offset inside the output; a copy layer (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity) between two arena tensors of one size gives its output the input's bytes (the copy
 * kernel then moves nothing). An aliased buffer lives from the first write of any of its aliases
 * to the last read of any of them.
 */
function planArena(tensors: PlanTensor[], layers: readonly PlanLayer[], profiles: readonly PlanProfile[], inputs: PlanHeader['inputs'], slices: ReadonlyMap<number, PlanView>) {
  const bindings = (profiles.length > 0 ? profiles : [{}]).map((profile) => {
    const symbols = new Map<string, number>();
    for (const input of inputs) {
      const max = profile[input.name]?.max;
      input.dims.forEach((dim, axis) => {
        if (typeof dim === 'string') symbols.set(dim, max?.[axis] ?? 1);
      });
    }
    return symbols;
  });
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  layers.forEach((layer, step) => {
    for (const output of layer.outputs) if (!first.has(output)) first.set(output, step);
    for (const input of layer.inputs) last.set(input, step);
    for (const output of layer.outputs) last.set(output, Math.max(last.get(output) ?? step, step));
  });
  const sizeOf = (tensor: PlanTensor) => {
    const bytes = Math.max(...bindings.map((symbols) => tensor.dims.reduce<number>((product, dim) => product * compileDim(dim)(symbols), 1))) * (ELEMENT_BYTES[tensor.dtype] ?? 8);
    if (!Number.isFinite(bytes)) throw new KilnError('ERR_BUILD', `Cannot size tensor "${tensor.name}".`, { found: JSON.stringify(tensor.dims) });
    return bytes;
  };
  const planned = (id: number) => tensors[id]!.location === 'arena' && !tensors[id]!.dims.some((dim) => dim === -1);
  const alias = new Map<number, { of: number; byteOffset: number }>();
  for (const [id, view] of slices) if (planned(id) && planned(view.base)) alias.set(id, { of: view.base, byteOffset: view.byteOffset });
  for (const layer of layers) {
    if (!layer.kernel.startsWith('x_copy') || layer.inputs.length !== 1 || layer.outputs.length !== 1) continue;
    const [x, y] = [layer.inputs[0]!, layer.outputs[0]!];
    if (alias.has(y) || !planned(x) || !planned(y) || sizeOf(tensors[x]!) !== sizeOf(tensors[y]!)) continue;
    alias.set(y, { of: x, byteOffset: 0 });
  }
  const rootOf = (id: number): { root: number; byteOffset: number } => {
    let byteOffset = 0;
    let root = id;
    for (let next = alias.get(root); next; next = alias.get(root)) {
      byteOffset += next.byteOffset;
      root = next.of;
    }
    return { root, byteOffset };
  };
  for (const id of alias.keys()) {
    const { root } = rootOf(id);
    const start = Math.min(first.get(root) ?? Number.POSITIVE_INFINITY, first.get(id) ?? Number.POSITIVE_INFINITY);
    if (Number.isFinite(start)) first.set(root, start);
    last.set(root, Math.max(last.get(root) ?? 0, last.get(id) ?? first.get(id) ?? 0));
  }
  const uses = tensors.flatMap((tensor, id) => {
    if (!planned(id) || alias.has(id)) return [];
    return [{ id, byteLength: sizeOf(tensor), firstUse: first.get(id) ?? 0, lastUse: last.get(id) ?? first.get(id) ?? 0 }];
  });
  const plan = planMemory(uses);
  for (const [id, offset] of plan.offsets) tensors[id]!.offset = offset;
  for (const id of alias.keys()) {
    const { root, byteOffset } = rootOf(id);
    tensors[id]!.offset = plan.offsets.get(root)! + byteOffset;
    const stride = slices.get(id)?.rowStride ?? 0;
    if (stride > 0) tensors[id]!.rowStride = stride;
  }
  return plan;
}
