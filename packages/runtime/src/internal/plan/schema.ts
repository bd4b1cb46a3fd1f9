import { corrupt } from './errors.js';
import { type PlanHeaderBase, describe, isCount, isObject } from './header.js';

/** A dimension: a size, or an expression over symbolic input dims (see shapes/dim-expr.ts). */
export type PlanDim = number | string;

/** Where a tensor lives at run time. */
export type PlanLocation = 'arena' | 'weights' | 'input' | 'output';

export interface PlanTensor {
  name: string;
  dtype: string;
  dims: PlanDim[];
  location: PlanLocation;
  /** Arena byte offset (arena tensors). */
  offset?: number;
  /** Weight blob name (weights tensors). */
  weight?: string;
  /**
   * Arena tensors only: elements between consecutive rows of the last axis when the tensor is a
   * column range of a wider one (a Concat input written in place; absent: dense).
   */
  rowStride?: number;
}

export interface PlanLayer {
  name: string;
  /** Layer type as the inspector shows it: `Convolution`, `MatrixMultiply`, `Softmax`, `Reference`, ... */
  type: string;
  /** Tactic id (kernel name), e.g. `f32_conv_im2col__avx512`; `reference` for fallback layers. */
  kernel: string;
  inputs: number[];
  outputs: number[];
  /** Numeric parameters; strings are dimension expressions resolved per input shapes. */
  params?: (number | string)[];
  epilogue?: { op: string; alpha?: number; beta?: number }[];
  /** ONNX nodes this layer stands for. */
  sources: string[];
  /** For `reference` layers: the weight blob holding the one-node ONNX model to evaluate. */
  model?: string;
}

export interface PlanIo {
  name: string;
  dtype: string;
  /** Declared dims; symbolic names for dynamic dims. */
  dims: PlanDim[];
  tensor: number;
}

/** min/opt/max dims per input name. */
export type PlanProfile = Record<string, { min: number[]; opt: number[]; max: number[] }>;

export interface PlanHeader extends PlanHeaderBase {
  name: string;
  inputs: PlanIo[];
  outputs: PlanIo[];
  profiles: PlanProfile[];
  tensors: PlanTensor[];
  layers: PlanLayer[];
  /** Arena bytes at the largest shapes of every profile. */
  arenaBytes: number;
  /** Sum of all activation tensor sizes at those shapes (what the arena would need without sharing). */
  activationBytes: number;
  build: Record<string, unknown>;
}

const LOCATIONS = new Set(['arena', 'weights', 'input', 'output']);

/** Check every table, index and reference of a plan header before any use. */
export function checkPlanHeader(base: PlanHeaderBase): PlanHeader {
  const header = base as unknown as Record<string, unknown>;
  for (const key of ['inputs', 'outputs', 'profiles', 'tensors', 'layers']) {
    if (!Array.isArray(header[key])) throw corrupt(`header.${key} is malformed`, 'an array', describe(header[key]));
  }
  if (!isCount(header.arenaBytes) || !isCount(header.activationBytes)) {
    throw corrupt('header arena sizes are malformed', 'non-negative integers', describe([header.arenaBytes, header.activationBytes]));
  }
  const plan = header as unknown as PlanHeader;
  const weights = new Set(plan.weights.map((weight) => weight.name));
  plan.tensors.forEach((tensor, index) => checkTensor(tensor, `header.tensors[${index}]`, weights, plan.arenaBytes));
  const tensorCount = plan.tensors.length;
  const checkIndex = (value: unknown, where: string) => {
    if (!isCount(value) || value >= tensorCount) throw corrupt(`${where} is not a tensor index`, `0..${tensorCount - 1}`, describe(value));
  };
  plan.layers.forEach((layer, index) => {
    const where = `header.layers[${index}]`;
    if (!isObject(layer) || typeof layer.name !== 'string' || typeof layer.type !== 'string' || typeof layer.kernel !== 'string') {
      throw corrupt(`${where} is malformed`, '{ name, type, kernel: string, inputs, outputs: number[] }', describe(layer));
    }
    if (!Array.isArray(layer.inputs) || !Array.isArray(layer.outputs) || !Array.isArray(layer.sources)) {
      throw corrupt(`${where} is malformed`, 'inputs, outputs and sources arrays', describe(layer));
    }
    layer.inputs.forEach((value, i) => checkIndex(value, `${where}.inputs[${i}]`));
    layer.outputs.forEach((value, i) => checkIndex(value, `${where}.outputs[${i}]`));
    if (layer.params !== undefined && (!Array.isArray(layer.params) || !layer.params.every((p) => typeof p === 'number' || typeof p === 'string'))) {
      throw corrupt(`${where}.params is malformed`, 'an array of numbers or dimension expressions', describe(layer.params));
    }
    if (layer.kernel === 'reference' && (typeof layer.model !== 'string' || !weights.has(layer.model))) {
      throw corrupt(`${where} has no reference model`, 'the name of a weight blob', describe(layer.model));
    }
  });
  for (const key of ['inputs', 'outputs'] as const) {
    plan[key].forEach((io, index) => {
      const where = `header.${key}[${index}]`;
      if (!isObject(io) || typeof io.name !== 'string' || typeof io.dtype !== 'string' || !Array.isArray(io.dims)) {
        throw corrupt(`${where} is malformed`, '{ name, dtype, dims, tensor }', describe(io));
      }
      checkIndex(io.tensor, `${where}.tensor`);
    });
  }
  plan.profiles.forEach((profile, index) => {
    if (!isObject(profile)) throw corrupt(`header.profiles[${index}] is malformed`, 'an object', describe(profile));
    for (const input of plan.inputs) {
      const range = (profile as Record<string, unknown>)[input.name];
      if (!isObject(range) || ![range.min, range.opt, range.max].every((dims) => Array.isArray(dims) && dims.length === input.dims.length && dims.every(isCount))) {
        throw corrupt(`header.profiles[${index}] has no valid range for "${input.name}"`, `min/opt/max of rank ${input.dims.length}`, describe(range));
      }
    }
  });
  return plan;
}

function checkTensor(tensor: unknown, where: string, weights: Set<string>, arenaBytes: number): void {
  if (!isObject(tensor) || typeof tensor.name !== 'string' || typeof tensor.dtype !== 'string' || !Array.isArray(tensor.dims)) {
    throw corrupt(`${where} is malformed`, '{ name, dtype, dims, location }', describe(tensor));
  }
  // -1 marks an extent known only after a reference layer ran (data-dependent shapes).
  if (!tensor.dims.every((dim) => typeof dim === 'string' || isCount(dim) || dim === -1)) {
    throw corrupt(`${where}.dims is malformed`, 'sizes, -1 or expressions', describe(tensor.dims));
  }
  if (typeof tensor.location !== 'string' || !LOCATIONS.has(tensor.location)) {
    throw corrupt(`${where}.location is unknown`, 'arena, weights, input or output', describe(tensor.location));
  }
  if (tensor.location === 'arena' && (!isCount(tensor.offset) || tensor.offset > arenaBytes)) {
    throw corrupt(`${where}.offset is outside the arena`, `0..${arenaBytes}`, describe(tensor.offset));
  }
  if (tensor.rowStride !== undefined) {
    const last = tensor.dims.at(-1);
    if (tensor.location !== 'arena' || !isCount(tensor.rowStride) || typeof last !== 'number' || last < 1 || tensor.rowStride < last) {
      throw corrupt(`${where}.rowStride is invalid`, 'an arena tensor whose static last dim is at most rowStride', `${describe(tensor.rowStride)} for ${tensor.location} ${describe(tensor.dims)}`);
    }
  }
  if (tensor.location === 'weights' && (typeof tensor.weight !== 'string' || !weights.has(tensor.weight))) {
    throw corrupt(`${where}.weight names no weight blob`, 'a name in header.weights', describe(tensor.weight));
  }
}
