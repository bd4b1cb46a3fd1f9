// Reduced-precision GEMM families: C[M,N] = epilogue(A[M,K] · B[K,N]) with fp32 A and C and B
// prepacked once in a narrower format:
//   bf16_gemm  A and B rounded to bfloat16 (RNE), products summed in fp32 (vdpbf16ps, AMX-BF16)
//   f16_gemm   A and B rounded to float16 (RNE), fp16 FMAs over short K chunks folded into fp32
//   qu8_gemm   A quantized to uint8 (scale, zero point) while packing, B int8 with per-channel (or
//              per-tensor) scales, u8 x s8 -> s32 (vpdpbusd, AMX-INT8, or 16-bit vpmaddwd on AVX2),
//              then the dequantize epilogue acc * (sa * sw[n]) - za * sa * sw[n] * colsum[n] + bias
// Every family keeps fp32 at its boundaries, so a layer can switch precision without reformat
// layers. See README.md for the packed layouts and the accuracy of each format.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-gemm/gemm.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::lowp_gemm {

using f32_gemm::Activation;
using f32_gemm::Epilogue;

enum class Format : int { kBf16 = 0, kF16 = 1, kQu8 = 2 };

// f16_gemm sums this many k steps with fp16 FMAs before folding the partial into fp32.
constexpr int kF16Chunk = 16;

const char* format_name(Format format);  // "bfloat16", "float16", "int8"

// Activation quantization of qu8_gemm: q = clamp(round_half_even(a / scale) + zero_point, 0, 255).
// An int8 ONNX activation (zero point z in [-128, 127]) is the same uint8 grid with zero_point z + 128.
struct Quantization {
  float scale = 1.0f;
  int32_t zero_point = 0;  // [0, 255]
};

struct LowpParams {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;  // [M, K], row stride lda
  int64_t lda = 0;
  const void* packed_b = nullptr;  // pack_b output for this variant, 64-byte aligned
  float* c = nullptr;              // [M, N], row stride ldc
  int64_t ldc = 0;
  Epilogue epilogue;         // fp32 epilogue: + bias, + residual (may alias C), activation
  Quantization quantization;  // qu8 only
  // qu8 only, int8 activations between layers: A already on the `quantization` grid (a is then
  // unused), and/or C written on the `output` grid (c unused; ldc in elements) after the epilogue.
  const uint8_t* a_u8 = nullptr;
  // a_u8's rows may be read up to K rounded up to 4 (bytes past K are multiplied by zero weights).
  bool a_u8_padded = false;
  uint8_t* c_u8 = nullptr;
  Quantization output;
  // qu8 only: the residual as uint8 on `residual_grid` (row stride epilogue.residual_stride),
  // dequantized as it is added; epilogue.residual is then null.
  const uint8_t* residual_u8 = nullptr;
  Quantization residual_grid;
};

// Packs `rows` x `k` of fp32 A (row stride lda) into the variant's A panel layout (see README).
using PackAFn = void (*)(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                         const Quantization& q, void* packed);
// Microkernel over one register tile: bf16/f16 write (or add to) fp32 C; qu8 writes int32 C
// (whole K in one call, accumulate is false). a: the tile's A panel; b: the B panel slice.
using UkernelFn = void (*)(int64_t kc, const void* a, const void* b, void* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate);
// qu8 only: out[j] = acc[j] * scale[j] + offset[j] (fp32), vectorized per ISA.
using DequantRowFn = void (*)(const int32_t* acc, int64_t n, const float* scale,
                              const float* offset, float* out);

// qu8 only: one register tile finished in registers (see FusedTile and RowFinish below).
struct FusedTile;
struct RowFinish;
using FusedUkernelFn = void (*)(int64_t kc, const FusedTile& tile, const void* b, int64_t mr, int64_t nr,
                                const RowFinish& finish);

// bf16 only: C[m0:m1, n0:n1] with bf16 activations (A, C and/or the residual; bf16_io.h).
struct Bf16Io;
struct LowpVariant;
using Bf16IoFn = void (*)(const LowpVariant& variant, const LowpParams& params, const Bf16Io& io, int64_t m0,
                          int64_t m1, int64_t n0, int64_t n1);

struct LowpVariant {
  const char* name;  // bf16_gemm_14x32__avx512bf16, qu8_gemm_32x32c4__amx, ...
  Isa isa;
  Format format;
  int mr, nr;     // register (or tile) block
  int kc, mc;     // K block (bf16/f16; qu8 takes K whole), M block
  int k_align;    // K is padded to this many elements in packed A and B
  bool amx;       // needs the tile configuration (AMX variants)
  PackAFn pack_a;
  UkernelFn ukernel;
  f32_gemm::EpilogueRowFn epilogue_row;
  DequantRowFn dequant_row;  // qu8 only
  FusedUkernelFn fused = nullptr;  // qu8 only, optional: the tile finished in registers
  // bf16 only, optional: bf16 operands read and written as they are (without it, a bf16 operand
  // is widened to fp32 around gemm_block, and a bf16 C narrowed after it).
  Bf16IoFn io = nullptr;
};

// Bytes of pack_b's output (64-byte multiple). For qu8 it includes the int32 column sums and fp32
// weight scales that follow the int8 panels.
size_t packed_b_bytes(const LowpVariant& variant, int64_t k, int64_t n);

// Packs B (element [k, n] at b[k * k_stride + n * n_stride]) into `packed` (packed_b_bytes,
// 64-byte aligned). qu8: weights are quantized symmetrically per column with `scales` (count 1:
// per tensor, count n: per channel); scales null: per-channel max|w| / 127 is computed.
void pack_b(const LowpVariant& variant, int64_t k, int64_t n, const float* b, int64_t k_stride,
            int64_t n_stride, const float* scales, int64_t scale_count, void* packed);

// C = epilogue(A · B) over the pool (null pool or small problems: the calling thread only).
void gemm(const LowpVariant& variant, const LowpParams& params, ThreadPool* pool);

// Single-threaded C[m0:m1, n0:n1]; n0 a multiple of variant.nr. The conv family builds on it.
void gemm_block(const LowpVariant& variant, const LowpParams& params, int64_t m0, int64_t m1,
                int64_t n0, int64_t n1);

// Rounding helpers shared by packing, references and tests (round to nearest even; NaN kept).
uint16_t float_to_bf16(float x);
float bf16_to_float(uint16_t x);
uint16_t float_to_f16(float x);
float f16_to_float(uint16_t x);
uint8_t quantize_u8(float x, const Quantization& q);

// qu8 requantize epilogue: y = clamp(round_half_even(x * (1 / scale)) + zero_point, lo, hi) over fp32
// values that already went through the dequantize epilogue (bias, residual, activation). lo/hi
// fold ReLU/Clip into the saturation bounds: uint8 [0, 255] or int8 [-128, 127] grids.
void requantize_row_u8(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                       int32_t hi, uint8_t* y);
// requantize_row_u8 with AVX-512 (bit-identical: the same reciprocal multiply and rounding).
void requantize_row_u8__avx512(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                               int32_t hi, uint8_t* y);
// requantize_row_u8 to grid q over the whole uint8 range (the activation already applied), with
// AVX-512 when `isa` has it: the uint8 row finish of a kernel variant of that ISA.
void requantize_row_u8_for(Isa isa, const float* x, int64_t n, const Quantization& q, uint8_t* y);
// The qu8 epilogue of one row in one AVX-512 pass: dequantize the int32 sums (acc * scale +
// offset), + residual, the activation (ReLU and Clip as the clamp to [lo, hi]; any other as
// f32-gemm's AVX-512 `activate`, [lo, hi] then unbounded), then store fp32 (out) or requantize
// (x * (1 / scale), round half even, + zero point, saturated) to uint8 (out_u8).
struct RowFinish {
  float lo, hi;
  const Epilogue* activation = nullptr;  // a non-clamp activation (its kind, alpha and beta)
  Quantization output;
  Quantization residual_grid;  // of residual_u8
  // Set by prepare_requantize for a uint8 output: 1 / output.scale, and [lo, hi] folded with the
  // [0, 255] saturation into integer bounds on rne(x / scale), minus the zero point.
  float inverse = 1.0f, q_lo = 0.0f, q_hi = 0.0f;
};
// Fills finish->inverse, q_lo and q_hi from lo, hi and the output grid.
void prepare_requantize(RowFinish* finish);
// One register tile of a qu8 GEMM finished in registers (RowFinish's arithmetic: no int32 tile
// in memory). A is read at a + i * a_row_stride + q * a_quad_stride for row i and k quad q: a
// packed panel (4, 4 * MR) or, for uint8 rows with K a multiple of 4, the rows themselves
// (lda, 4; rows past mr are never read). scale/offset/residual start at the tile's first column.
struct FusedTile {
  const uint8_t* a;
  int64_t a_row_stride, a_quad_stride;
  const float* scale;
  const float* offset;
  const float* residual;         // fp32, or null
  const uint8_t* residual_u8;    // on finish.residual_grid, or null
  int64_t residual_stride;
  float* c;                      // fp32 output, or null
  uint8_t* c_u8;                 // uint8 output on finish.output, or null
  int64_t ldc;
};

void finish_row_qu8__avx512(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                            const float* residual, const uint8_t* residual_u8, const RowFinish& finish,
                            float* out, uint8_t* out_u8);
// q = clamp(rne(x / scale) + zero_point, 0, 255) for n values: quantize_u8, and an AVX-512 row
// bit-identical to it (a division per value, as the packers quantize).
void quantize_row_u8(const float* x, int64_t n, const Quantization& q, uint8_t* y);
void quantize_row_u8__avx512(const float* x, int64_t n, const Quantization& q, uint8_t* y);
// y = (x - zero_point) * scale for n uint8 values (the uint8 residual on the portable path).
void dequantize_row_u8(const uint8_t* x, int64_t n, const Quantization& grid, float* y);
// Whether `epilogue` fits RowFinish (any activation, no scale); fills lo/hi and activation, which
// then points into `epilogue`.
bool finishable(const Epilogue& epilogue, RowFinish* finish);

void requantize_row_s8(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                       int32_t hi, int8_t* y);

// Variants, fastest first per format; each format's scalar reference last among its own.
const LowpVariant* variants();
size_t variant_count();
const LowpVariant* find_variant(const char* name);
// The contiguous run of variants() of one format, and that format's tactic family names.
struct VariantRange {
  size_t first, count;
};
VariantRange format_range(Format format);
const char* gemm_family(Format format);  // "bf16_gemm", "f16_gemm", "qu8_gemm"
const char* conv_family(Format format);  // "bf16_conv", "f16_conv", "qu8_conv"
bool applies(const LowpVariant& variant, Isa host);

}  // namespace kiln::lowp_gemm
