import { KilnError } from '@kiln/common';
import { type NativeEngine, type NativeProgram, type NativeTensor, createEngine } from '@kiln/core-native';
import type { PlanHeader } from '../plan/schema.js';
import type { Segment } from './specialize.js';

/** One native segment specialized for concrete shapes: a native engine plus its binding tables. */
export interface NativeSegment {
  kind: 'native';
  engine: NativeEngine;
  /** Plan tensor index bound to each input slot. */
  inputs: number[];
  /** Plan tensor index bound to each output slot. */
  outputs: number[];
  /** Plan layer index of each layer of the native program, in program order. */
  layers: number[];
}

export interface ReferenceSegment {
  kind: 'reference';
  layer: number;
}

/**
 * Build the native program of one segment: plan tensors the segment's layers use get a local
 * index; tensors produced elsewhere (graph inputs, other segments) become input slots; tensors it
 * produces that are read elsewhere or are graph outputs become output slots; weights point into
 * the weight section; the rest live in the arena at the planned offset.
 */
export function buildNativeSegment(
  header: PlanHeader,
  segment: Extract<Segment, { kind: 'native' }>,
  shapes: readonly number[][],
  params: (layer: number) => number[],
  weights: Uint8Array,
  weightOffsets: ReadonlyMap<string, number>,
  readElsewhere: ReadonlySet<number>,
): NativeSegment {
  const produced = new Set<number>();
  for (const index of segment.layers) for (const output of header.layers[index]!.outputs) produced.add(output);
  const graphOutputs = new Set(header.outputs.map((io) => io.tensor));
  const local = new Map<number, number>();
  const tensors: NativeTensor[] = [];
  const inputs: number[] = [];
  const outputs: number[] = [];
  const localIndex = (tensor: number): number => {
    const known = local.get(tensor);
    if (known !== undefined) return known;
    const plan = header.tensors[tensor]!;
    const base = { dtype: plan.dtype as NativeTensor['dtype'], shape: shapes[tensor]! };
    let entry: NativeTensor;
    if (plan.location === 'weights') {
      entry = { ...base, location: 'weights', offset: weightOffsets.get(plan.weight!)! };
    } else if (!produced.has(tensor)) {
      entry = { ...base, location: 'input', slot: inputs.length };
      inputs.push(tensor);
    } else if (graphOutputs.has(tensor) || readElsewhere.has(tensor)) {
      entry = { ...base, location: 'output', slot: outputs.length };
      outputs.push(tensor);
    } else {
      entry = { ...base, location: 'arena', offset: plan.offset ?? 0, ...(plan.rowStride === undefined ? {} : { rowStride: plan.rowStride }) };
    }
    local.set(tensor, tensors.length);
    tensors.push(entry);
    return tensors.length - 1;
  };
  const program: NativeProgram = {
    arenaBytes: header.arenaBytes,
    tensors,
    layers: segment.layers.map((index) => {
      const layer = header.layers[index]!;
      return {
        kernel: layer.kernel,
        inputs: layer.inputs.map(localIndex),
        outputs: layer.outputs.map(localIndex),
        ...(layer.params ? { params: params(index) } : {}),
        ...(layer.epilogue ? { epilogue: layer.epilogue as NativeProgram['layers'][number]['epilogue'] } : {}),
      };
    }),
  };
  return { kind: 'native', engine: engineOf(program, weights), inputs, outputs, layers: [...segment.layers] };
}

/** The native engine of a segment; a program the executor refuses means the plan is corrupt. */
function engineOf(program: NativeProgram, weights: Uint8Array): NativeEngine {
  try {
    return createEngine(program, weights);
  } catch (error) {
    if (!KilnError.isInstance(error) || error.code !== 'ERR_PROGRAM_INVALID') throw error;
    throw new KilnError('ERR_PLAN_CORRUPT', 'The plan file is corrupt: the native executor refuses its layer program.', {
      ...(error.where === undefined ? {} : { where: error.where }),
      ...(error.expected === undefined ? {} : { expected: error.expected }),
      ...(error.found === undefined ? {} : { found: error.found }),
      hint: 'Rebuild the plan with this Kiln version (kiln build); a plan that fails this check was damaged or edited.',
      cause: error,
    });
  }
}

/** Tensors each segment must hand to others: read by a layer outside the segment that produced them. */
export function crossSegmentReads(header: PlanHeader, segments: readonly Segment[]): Set<number> {
  const owner = new Map<number, number>();
  segments.forEach((segment, index) => {
    const layers = segment.kind === 'native' ? segment.layers : [segment.layer];
    for (const layer of layers) for (const output of header.layers[layer]!.outputs) owner.set(output, index);
  });
  const crossing = new Set<number>();
  segments.forEach((segment, index) => {
    const layers = segment.kind === 'native' ? segment.layers : [segment.layer];
    for (const layer of layers) {
      for (const input of header.layers[layer]!.inputs) {
        const producer = owner.get(input);
        if (producer !== undefined && producer !== index) crossing.add(input);
      }
    }
  });
  return crossing;
}
