// Public surface of @kiln/core-native: CPU features, thread pool size, the executor.
import { callNative } from './internal/errors.js';
import { loadAddon, packageVersion } from './internal/load-addon.js';
import type { CpuFeatures, Isa, KernelInfo } from './internal/types.js';

export { createEngine, NativeContext, NativeEngine, type CreateEngineOptions } from './engine.js';
export type {
  CpuFeatures,
  EngineDescription,
  Isa,
  KernelInfo,
  NativeDType,
  NativeLayer,
  NativeProgram,
  NativeTensor,
  NativeUnaryStep,
  TensorLocation,
} from './internal/types.js';

/** ISA levels, lowest first. */
export const ISAS: readonly Isa[] = ['scalar', 'avx2', 'avx512', 'avx512vnni', 'avx512bf16', 'avx512fp16', 'amx'];

/**
 * CPU features this process can use: present per cpuid AND enabled by the OS (xgetbv), and for
 * AMX granted by Linux (arch_prctl ARCH_REQ_XCOMP_PERM).
 *
 * @example
 * ```ts
 * import { cpuFeatures } from '@kiln/core-native';
 * if (cpuFeatures().avx512f) console.log('AVX-512 kernels available');
 * ```
 */
export function cpuFeatures(): CpuFeatures {
  return loadAddon().cpuFeatures();
}

/**
 * The highest ISA level kernels may use: what the CPU supports, capped by `KILN_MAX_ISA` or
 * {@link setIsaCap}.
 *
 * @example
 * ```ts
 * import { maxIsa } from '@kiln/core-native';
 * console.log(maxIsa()); // 'avx512vnni' on Ice Lake, 'avx512bf16' on Zen 4, 'amx' on Sapphire Rapids, 'avx2' with KILN_MAX_ISA=avx2
 * ```
 */
export function maxIsa(): Isa {
  return loadAddon().maxIsa();
}

/**
 * The highest ISA level the CPU supports, ignoring any cap.
 *
 * @example
 * ```ts
 * import { detectedIsa } from '@kiln/core-native';
 * console.log(detectedIsa()); // 'amx' on Sapphire Rapids
 * ```
 */
export function detectedIsa(): Isa {
  return loadAddon().detectedIsa();
}

/**
 * Caps kernel dispatch at `isa` for engines created afterwards (process-wide, like the CPU; meant
 * for tests and benchmarks — users set `KILN_MAX_ISA`). `'amx'` removes the cap. Returns the
 * resulting {@link maxIsa}.
 *
 * @example
 * ```ts
 * import { setIsaCap } from '@kiln/core-native';
 * setIsaCap('avx2'); // engines built now use AVX2 or scalar variants
 * ```
 */
export function setIsaCap(isa: Isa): Isa {
  const addon = loadAddon();
  return callNative(() => addon.setIsaCap(isa));
}

/**
 * The package version, after checking the loaded addon was compiled from the same version.
 *
 * @example
 * ```ts
 * import { version } from '@kiln/core-native';
 * console.log(version()); // '0.1.0'
 * ```
 */
export function version(): string {
  loadAddon(); // refuses (ERR_NATIVE_LOAD) an addon compiled from a different version
  return packageVersion();
}

/**
 * Threads of this JS environment's pool (the calling thread included). Defaults to
 * `KILN_THREADS` or the cores available to the process.
 *
 * @example
 * ```ts
 * import { getThreads } from '@kiln/core-native';
 * console.log(getThreads()); // 8
 * ```
 */
export function getThreads(): number {
  return loadAddon().getThreads();
}

/**
 * Resizes this environment's thread pool (1..1024). Runs in flight finish on the old pool.
 *
 * @example
 * ```ts
 * import { setThreads } from '@kiln/core-native';
 * setThreads(1); // single-threaded inference
 * ```
 */
export function setThreads(threads: number): void {
  const addon = loadAddon();
  callNative(() => addon.setThreads(threads));
}

/**
 * `bytes` itself when it starts on a 64-byte boundary, else a copy in 64-byte-aligned native
 * memory. Engines read packed weights in place only when they are aligned (otherwise every
 * `createEngine` copies them): align a plan's weights once and share the result.
 *
 * @example
 * ```ts
 * import { alignedBytes, createEngine } from '@kiln/core-native';
 * const weights = alignedBytes(planWeights); // one copy at most, then shared by every engine
 * const engine = createEngine(program, weights);
 * ```
 */
export function alignedBytes(bytes: Uint8Array): Uint8Array {
  const addon = loadAddon();
  return callNative(() => addon.alignedBytes(bytes));
}

/**
 * CRC-32C (Castagnoli) of `bytes`, computed with the CPU's crc32 instructions where it has them
 * (a 14 MB plan in about 2 ms): the checksum of plan files.
 *
 * @example
 * ```ts
 * import { checksum } from '@kiln/core-native';
 * checksum(new TextEncoder().encode('123456789')); // 0xe3069283
 * ```
 */
export function checksum(bytes: Uint8Array): number {
  const addon = loadAddon();
  return callNative(() => addon.checksum(bytes));
}

/**
 * Cores this process may run on (CPU affinity aware).
 *
 * @example
 * ```ts
 * import { availableCores, setThreads } from '@kiln/core-native';
 * setThreads(Math.max(1, availableCores() - 1));
 * ```
 */
export function availableCores(): number {
  return loadAddon().availableCores();
}

/**
 * Every kernel variant (tactic id) in the addon and whether this CPU, under the cap, can run it.
 *
 * @example
 * ```ts
 * import { kernels } from '@kiln/core-native';
 * console.log(kernels().filter((k) => k.runnable).map((k) => k.name));
 * ```
 */
export function kernels(): KernelInfo[] {
  return loadAddon().kernels();
}

/**
 * Packs a GEMM or convolution layer's weights for one tactic, as the builder stores them in a plan
 * (64-byte aligned in the weight section; at run time they are the layer's second input, a
 * `'weights'` tensor of dtype float32 and shape `[packed.length]`). The packed layout differs per
 * variant, so pack with the exact tactic id the layer will run.
 *
 * - Conv2D tactics (every `kernels()` entry of family `f32_conv`): `shape` is
 *   `[outChannels, inChannels, kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft,
 *   padBottom, padRight, group]`; `weights` is ONNX's `[outChannels, inChannels / group, kh, kw]`.
 *   Family `f32_conv_nchw` (convolutions that read an NCHW input: group 1, at most 4 input
 *   channels) takes the same shape and weights.
 * - ConvTranspose tactics (family `f32_deconv`): `shape` is `[inChannels, outChannels, kh, kw,
 *   strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight, outputPaddingH,
 *   outputPaddingW, group]`; `weights` is ONNX's `[inChannels, outChannels / group, kh, kw]`.
 * - GEMM tactics (family `f32_gemm`): `shape` is `[K, N, transB]`; `weights` is `[K, N]`
 *   (transB = 0) or `[N, K]` (transB = 1).
 * - Inverted-residual block tactics (family `f32_mbconv`: 1x1 expand conv, depthwise conv, 1x1
 *   project conv in one layer): `shape` is `[hasExpand, inChannels, expandChannels, outChannels,
 *   kh, kw, strideH, strideW, dilationH, dilationW, padTop, padLeft, padBottom, padRight]` (the
 *   depthwise conv's geometry); `weights` is the expand `[E, C, 1, 1]` (when hasExpand is 1), the
 *   depthwise `[E, 1, kh, kw]` and the project `[OC, E, 1, 1]` weights back to back. Family
 *   `bf16_mbconv` (the same block in a bf16 engine) takes the same shape and weights and packs the
 *   1x1 convs as bfloat16.
 *
 * The family names `f32_conv` / `f32_conv_nchw` / `f32_deconv` / `f32_gemm` / `f32_mbconv` /
 * `bf16_mbconv` pack for the variant `createEngine` would pick for that family name under the
 * current ISA cap.
 *
 * Reduced-precision tactics (families `bf16_conv`, `bf16_gemm`, `f16_conv`, `f16_gemm`,
 * `qu8_conv`, `qu8_gemm`) take the same shapes and fp32 weights, and pack them as bfloat16,
 * float16 or int8; their layers keep fp32 inputs and outputs. int8 (`qu8_*`) tactics need
 * `options.inputScale` / `options.inputZeroPoint` (the layer input's uint8 quantization; an int8
 * zero point z is z + 128) and take `options.weightScales` (one, or one per output channel;
 * default: per channel max|w| / 127).
 *
 * @throws KilnError `ERR_ARGUMENT` for an unknown tactic, a shape of the wrong length, a weights
 * length that does not match the shape, or a variant that does not apply (e.g. a 1x1 variant for a
 * 3x3 kernel, a depthwise variant for a dense convolution), a `qu8_*` tactic without the input's
 * quantization, quantization options for another tactic, or invalid scales.
 *
 * @example
 * ```ts
 * import { packWeights } from '@kiln/core-native';
 * // Conv 3x3, 16 -> 32 channels, stride 1, pad 1, for the AVX-512 im2col tactic:
 * const w = new Float32Array(32 * 16 * 3 * 3);
 * const packed = packWeights('f32_conv_im2col_14x32__avx512', [32, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1], w);
 * // An image stem, 3x3 stride 2, 3 -> 32 channels, reading NCHW, for the best variant here:
 * const stem = packWeights('f32_conv_nchw', [32, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1], new Float32Array(32 * 3 * 3 * 3));
 * // ConvTranspose 4x4, 8 -> 4 channels, stride 2, pad 1, for the best variant here:
 * const d = packWeights('f32_deconv', [8, 4, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1], new Float32Array(8 * 4 * 4 * 4));
 * // A MobileNetV2 block, 24 -> 144 -> 3x3 depthwise stride 1 -> 24, for the best bf16 variant here:
 * const block = packWeights('bf16_mbconv', [1, 24, 144, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1], new Float32Array(144 * 24 + 144 * 9 + 24 * 144));
 * // Gemm with B = [N=10, K=64] (transB = 1):
 * const b = packWeights('f32_gemm_6x16__avx2', [64, 10, 1], new Float32Array(640));
 * // The same Gemm in int8 for the best qu8 variant here, input quantized with scale 0.02, zero point 128:
 * const q = packWeights('qu8_gemm', [64, 10, 1], new Float32Array(640), { inputScale: 0.02, inputZeroPoint: 128 });
 * ```
 */
export function packWeights(tactic: string, shape: number[], weights: Float32Array, options?: PackWeightsOptions): Float32Array {
  const addon = loadAddon();
  return callNative(() => addon.packWeights(tactic, shape, weights, options));
}

/**
 * Quantization options of {@link packWeights} for int8 (`qu8_*`) tactics.
 *
 * @example
 * ```ts
 * const options: PackWeightsOptions = { inputScale: 0.05, inputZeroPoint: 128, weightScales: new Float32Array([0.01, 0.02]) };
 * ```
 */
export interface PackWeightsOptions {
  /** Weight scales: one, or one per output channel (default: per channel max|w| / 127). */
  weightScales?: Float32Array;
  /** The layer input's scale: q = round(x / inputScale) + inputZeroPoint, clamped to [0, 255]. */
  inputScale?: number;
  /** The layer input's uint8 zero point (default 0; an int8 zero point z is z + 128). */
  inputZeroPoint?: number;
}
