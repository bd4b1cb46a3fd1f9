import { KilnError } from '@kiln/common';
import type { Tensor } from '@kiln/onnx-tools';
import { TYPED_ARRAYS } from './internal/engine/dtypes.js';
import type { PlanHeader } from './internal/plan/schema.js';
import { ReferenceLayers } from './internal/engine/reference.js';
import { type NativeSegment, type ReferenceSegment, buildNativeSegment, crossSegmentReads } from './internal/engine/segments.js';
import { type Segment, ShapeFunctions, segmentLayers } from './internal/engine/specialize.js';
import { ExecutionContext } from './context.js';

/** An input or output of an engine. `shape` has -1 for dynamic dims. */
export interface EngineTensor {
  name: string;
  mode: 'input' | 'output';
  dtype: string;
  shape: number[];
  /** Symbolic names of the dims (numbers for fixed dims). */
  dims: (number | string)[];
}

/** One layer as the engine inspector reports it. */
export interface LayerInfo {
  name: string;
  type: string;
  tactic: string;
  /** ONNX nodes fused into this layer. */
  sources: string[];
  inputs: { name: string; dtype: string; dims: (number | string)[] }[];
  outputs: { name: string; dtype: string; dims: (number | string)[] }[];
  epilogue?: string[];
}

/** What `engine.inspect()` returns (also `kiln inspect --loadEngine`). */
export interface EngineInspection {
  name: string;
  kilnVersion: string;
  target: { isa: string; features: string[] };
  inputs: EngineTensor[];
  outputs: EngineTensor[];
  profiles: PlanHeader['profiles'];
  arenaBytes: number;
  activationBytes: number;
  weightBytes: number;
  layers: LayerInfo[];
  build: Record<string, unknown>;
}

/** @internal A plan specialized for one set of input shapes. */
export interface Specialization {
  shapes: number[][];
  segments: (NativeSegment | ReferenceSegment)[];
}

const MAX_SPECIALIZATIONS = 16;

/**
 * A deserialized plan: immutable, shared by all its execution contexts. Weights are held once
 * (a view of the plan bytes) and shared read-only by every context.
 *
 * @example
 * ```ts
 * import { Runtime } from '@kiln/runtime';
 * const engine = new Runtime().deserializeEngine(fs.readFileSync('model.plan'));
 * console.log(engine.inputs); // [{ name: 'input', mode: 'input', dtype: 'float32', shape: [-1, 3, 224, 224], ... }]
 * const context = engine.createExecutionContext();
 * ```
 */
export class Engine {
  readonly inputs: readonly EngineTensor[];
  readonly outputs: readonly EngineTensor[];
  /** @internal */ readonly header: PlanHeader;
  /** @internal */ readonly shapeFunctions: ShapeFunctions;
  /** @internal */ readonly reference: ReferenceLayers;
  private readonly segments: Segment[];
  private readonly crossing: Set<number>;
  private readonly weightOffsets: Map<string, number>;
  private readonly specializations = new Map<string, Specialization>();
  /** @internal Weight tensors JS needs: inputs of reference layers and graph outputs. */
  readonly hostWeights: number[];
  private readonly weightTensors = new Map<number, Tensor>();

  /** @internal Use `Runtime.deserializeEngine`. */
  constructor(
    header: PlanHeader,
    private readonly weights: Uint8Array,
  ) {
    this.header = header;
    this.shapeFunctions = new ShapeFunctions(header);
    this.weightOffsets = new Map(header.weights.map((weight) => [weight.name, weight.offset]));
    const byName = new Map(header.weights.map((weight) => [weight.name, weight]));
    this.reference = new ReferenceLayers(header, (name) => {
      const weight = byName.get(name)!;
      return weights.subarray(weight.offset, weight.offset + weight.byteLength);
    });
    this.segments = segmentLayers(header.layers);
    this.crossing = crossSegmentReads(header, this.segments);
    const describeIo = (mode: 'input' | 'output') => (io: PlanHeader['inputs'][number]) => ({
      name: io.name,
      mode,
      dtype: io.dtype,
      shape: io.dims.map((dim) => (typeof dim === 'number' ? dim : -1)),
      dims: [...io.dims],
    });
    const needed = new Set<number>(header.outputs.map((io) => io.tensor));
    for (const layer of header.layers) if (layer.kernel === 'reference') for (const input of layer.inputs) needed.add(input);
    this.hostWeights = [...needed].filter((index) => header.tensors[index]!.location === 'weights');
    this.inputs = header.inputs.map(describeIo('input'));
    this.outputs = header.outputs.map(describeIo('output'));
  }

  /** Number of optimization profiles the plan was built with. */
  get numOptimizationProfiles(): number {
    return Math.max(1, this.header.profiles.length);
  }

  /**
   * min/opt/max dims of an input in a profile.
   *
   * @example
   * ```ts
   * engine.getProfileShape('input', 0); // { min: [1, 3, 224, 224], opt: [1, ...], max: [8, ...] }
   * ```
   */
  getProfileShape(name: string, profileIndex = 0): { min: number[]; opt: number[]; max: number[] } {
    const io = this.header.inputs.find((input) => input.name === name);
    const range = this.header.profiles[profileIndex]?.[name];
    if (!io || !range) {
      throw new KilnError('ERR_ARGUMENT', `No profile ${profileIndex} shape for "${name}".`, {
        expected: `an input name (${this.header.inputs.map((input) => input.name).join(', ')}) and a profile below ${this.numOptimizationProfiles}`,
        found: `"${name}", profile ${profileIndex}`,
      });
    }
    return { min: [...range.min], opt: [...range.opt], max: [...range.max] };
  }

  /**
   * A new execution context: its own activation memory, sharing this engine's weights. Contexts
   * run concurrently; one context runs one inference at a time.
   *
   * @example
   * ```ts
   * const contexts = Array.from({ length: 4 }, () => engine.createExecutionContext());
   * ```
   */
  createExecutionContext(): ExecutionContext {
    return new ExecutionContext(this);
  }

  /**
   * Per-layer description of the optimized engine: layer type, tactic, fused ONNX nodes, tensor
   * shapes and dtypes; plus memory figures and the build record.
   *
   * @example
   * ```ts
   * for (const layer of engine.inspect().layers) console.log(layer.name, layer.tactic, layer.sources.join(' + '));
   * ```
   */
  inspect(): EngineInspection {
    const header = this.header;
    const tensor = (index: number) => ({ name: header.tensors[index]!.name, dtype: header.tensors[index]!.dtype, dims: [...header.tensors[index]!.dims] });
    return {
      name: header.name,
      kilnVersion: header.kilnVersion,
      target: { ...header.target, features: [...header.target.features] },
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      profiles: header.profiles,
      arenaBytes: header.arenaBytes,
      activationBytes: header.activationBytes,
      weightBytes: this.weights.length,
      layers: header.layers.map((layer) => ({
        name: layer.name,
        type: layer.type,
        tactic: layer.kernel,
        sources: [...layer.sources],
        inputs: layer.inputs.map(tensor),
        outputs: layer.outputs.map(tensor),
        ...(layer.epilogue ? { epilogue: layer.epilogue.map((step) => step.op) } : {}),
      })),
      build: header.build,
    };
  }

  /** @internal The specialization for these resolved shapes, built once and cached. */
  specialize(symbols: ReadonlyMap<string, number>): Specialization {
    const key = [...symbols].map(([name, value]) => `${name}=${value}`).join(',');
    const cached = this.specializations.get(key);
    if (cached) return cached;
    const shapes = this.shapeFunctions.resolve(symbols);
    const segments = this.segments.map((segment) =>
      segment.kind === 'native'
        ? buildNativeSegment(this.header, segment, shapes, (layer) => this.shapeFunctions.params(layer, symbols), this.weights, this.weightOffsets, this.crossing)
        : { kind: 'reference' as const, layer: segment.layer },
    );
    const specialization = { shapes, segments };
    if (this.specializations.size >= MAX_SPECIALIZATIONS) this.specializations.delete(this.specializations.keys().next().value!);
    this.specializations.set(key, specialization);
    return specialization;
  }

  /** @internal A weight tensor as a JS tensor (an aligned copy made once; callers must not write to it). */
  weightTensor(index: number, dims: number[]): Tensor {
    let tensor = this.weightTensors.get(index);
    if (!tensor) {
      const plan = this.header.tensors[index]!;
      const weight = this.header.weights.find((entry) => entry.name === plan.weight)!;
      const copy = this.weights.slice(weight.offset, weight.offset + weight.byteLength);
      const make = TYPED_ARRAYS[plan.dtype]!;
      tensor = { type: plan.dtype, dims, data: new make(copy.buffer, 0, copy.length / make.BYTES_PER_ELEMENT) } as Tensor;
      this.weightTensors.set(index, tensor);
    }
    return tensor;
  }
}
