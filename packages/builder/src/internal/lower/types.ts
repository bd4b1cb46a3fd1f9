import type { Node, Value } from '@kiln/onnx-tools';

/** A fused unary step as the native executor takes it. */
export interface EpilogueStep {
  op: string;
  alpha?: number;
  beta?: number;
}

/** Weights a tactic needs in its own packed layout, produced once at build time. */
export interface PackRequest {
  /** The constant tensor being packed. */
  source: Value;
  /** Packs for the chosen tactic; returns the bytes to store in the plan. */
  pack(tactic: string): Uint8Array;
}

/**
 * One layer of the program the builder emits: a kernel family or explicit tactic list, the IR
 * tensors it reads and writes, its parameters (numbers, or dimension expressions for
 * shape-dependent values), and the ONNX nodes it stands for.
 */
export interface LoweredLayer {
  name: string;
  /** Layer type shown by the inspector (`Convolution`, `MatrixMultiply`, `Softmax`, ...). */
  type: string;
  /** Kernel family base name (tactic ids are `<family>__<isa>`), or `reference`. */
  family: string;
  /** Explicit candidate tactic ids (conv/GEMM variants); otherwise derived from the family. */
  candidates?: string[];
  /** The precisions the candidates span (`int8+bf16+fp32`), part of the timing-cache signature. */
  precisions?: string;
  /**
   * Tried, in order, when no candidate takes the layer's shape: the fp32 tactics of a layer whose
   * per-layer precision is only preferred (precisionConstraints `prefer`), e.g. bf16 requested for
   * a depthwise convolution, which the bf16 GEMM-based conv kernels do not take.
   */
  fallbackCandidates?: string[];
  inputs: (Value | undefined)[];
  outputs: Value[];
  params?: (number | string)[];
  epilogue?: EpilogueStep[];
  sources: string[];
  /** For reference layers: the node to evaluate with onnx-tools. */
  node?: Node;
  /** Weights to prepack per chosen tactic (replaces the input tensor's raw bytes). */
  packed?: PackRequest;
  /** The node a single-layer lowering came from: the reference fallback when no tactic applies. */
  origin?: Node;
  /** Tactic picked by timing or heuristic. */
  tactic?: string;
  /** Milliseconds per timed candidate (levels above 0), for passes that revisit the choice. */
  timings?: Record<string, number>;
  /**
   * Convolutions that may run in int8: the uint8 grid of input 0 (a qu8 conv's packed input
   * quantization; a depthwise conv's calibrated or Q/DQ input scale). keepInt8Activations uses it.
   */
  inputGrid?: { scale: number; zeroPoint: number };
}
