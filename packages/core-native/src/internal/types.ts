/** Instruction-set levels kernels dispatch on, lowest first. */
export type Isa = 'scalar' | 'avx2' | 'avx512' | 'avx512vnni' | 'avx512bf16' | 'avx512fp16' | 'amx';

/** CPU features usable by this process (present on the CPU and enabled by the OS). */
export interface CpuFeatures {
  avx2: boolean;
  fma: boolean;
  f16c: boolean;
  avx512f: boolean;
  avx512bw: boolean;
  avx512vl: boolean;
  avx512dq: boolean;
  avx512vnni: boolean;
  avx512bf16: boolean;
  avx512fp16: boolean;
  /** AMX tiles, after Linux granted this process tile-data permission. */
  amxTile: boolean;
  amxInt8: boolean;
  amxBf16: boolean;
}

/**
 * Element types the executor understands (`uint8`: int8 activations between qu8 layers;
 * `bfloat16`: bf16 activations between bf16 layers; both arena only).
 */
export type NativeDType = 'float32' | 'int64' | 'int32' | 'bool' | 'uint8' | 'bfloat16';

/** Where a tensor of a program lives. */
export type TensorLocation = 'arena' | 'weights' | 'input' | 'output';

/** One entry of a program's tensor table. */
export interface NativeTensor {
  dtype: NativeDType;
  /** Static shape (a program is specialized per input shape; see README "Dynamic shapes"). */
  shape: number[];
  location: TensorLocation;
  /** Byte offset in the context's arena or in the weights buffer (a multiple of the element size; 64 recommended). */
  offset?: number;
  /** Binding slot for `input` / `output` tensors: dense, 0..N-1, index into run()'s arrays. */
  slot?: number;
  /**
   * Arena tensors only: elements between consecutive rows of the last axis (default: dense). A
   * strided tensor is a column range of a wider arena tensor, written in place by a GEMM or
   * GEMM-based convolution (concat elimination) and read only by `x_concat_view`.
   */
  rowStride?: number;
}

/** One fused unary step (ONNX parameter meaning; see README). */
export interface NativeUnaryStep {
  op:
    | 'Relu'
    | 'Clip'
    | 'LeakyRelu'
    | 'Sigmoid'
    | 'Tanh'
    | 'SiLU'
    | 'HardSwish'
    | 'HardSigmoid'
    | 'Gelu'
    | 'GeluTanh'
    | 'Exp'
    | 'Log'
    | 'Sqrt'
    | 'Erf'
    | 'Neg'
    | 'Abs'
    | 'Reciprocal'
    | 'Floor'
    | 'Ceil'
    | 'Round'
    | 'Sign'
    | 'Sin'
    | 'Cos'
    | 'Softplus'
    | 'Softsign'
    | 'Elu'
    | 'Selu'
    | 'Mish'
    | 'ThresholdedRelu';
  alpha?: number;
  beta?: number;
}

/** One layer: a tactic id, tensor indices and numeric parameters. */
export interface NativeLayer {
  /** `<family>__<isa>` (exact variant) or `<family>` (best variant for this CPU), e.g. `f32_vbinary_add__avx512`. */
  kernel: string;
  inputs: number[];
  outputs: number[];
  params?: number[];
  epilogue?: NativeUnaryStep[];
}

/** A compiled layer program (see README "Program encoding"). */
export interface NativeProgram {
  /** Bytes of activation memory each context allocates. */
  arenaBytes: number;
  tensors: NativeTensor[];
  layers: NativeLayer[];
}

/** A kernel variant the addon contains. */
export interface KernelInfo {
  /** Tactic id, e.g. `f32_softmax__avx2`. */
  name: string;
  isa: Isa;
  /** Whether this CPU under the current cap can run it. */
  runnable: boolean;
  /**
   * The layer family it implements: `f32_conv`, `f32_gemm` or `f32_matmul` for those families'
   * variants (e.g. `f32_conv_1x1_14x32__avx512` is `f32_conv`), the name without its `__<isa>`
   * suffix for every other kernel (`f32_softmax__avx2` is `f32_softmax`). Entries of one family are
   * listed highest ISA first, in the family's preference order within an ISA.
   */
  family: string;
}

/** What an engine resolved at creation. */
export interface EngineDescription {
  /** The tactic id each layer runs, in layer order (`<family>__<isa>`). */
  tactics: string[];
  arenaBytes: number;
  inputCount: number;
  outputCount: number;
  /** True when the weights were copied (they were not 64-byte aligned, or copyWeights was set). */
  weightsCopied: boolean;
}
