// f32 GEMM family: C[M,N] = epilogue(A[M,K] · B[K,N]).
// B is prepacked once (pack_b) into NR-wide panels for the chosen variant; A is packed on the fly
// into MR-tall panels per cache block. See README.md for the packed layout and the epilogue.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::f32_gemm {

enum class Activation : int {
  kNone = 0,
  kRelu,
  kClip,       // clamp(x, alpha, beta); ReLU6 is Clip(0, 6)
  kLeakyRelu,  // x < 0 ? alpha * x : x
  kSigmoid,
  kTanh,
  kSilu,       // x * sigmoid(x) (Swish with beta 1)
  kHardSwish,  // x * clamp(x + 3, 0, 6) / 6
  kGeluErf,    // 0.5 x (1 + erf(x / sqrt 2))
  kGeluTanh,   // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
};

const char* activation_name(Activation activation);

// e^r ~ 1 + r + c2 r^2 + ... + c5 r^5 on |r| <= ln2/2, the epilogues' exp after Cody-Waite range
// reduction (vmath-avx2.h, vmath-avx512.h): fit for relative error (1.0e-7; 1.8e-7 evaluated in
// float).
constexpr float kExpC2 = 0.499992311000824f, kExpC3 = 0.16667114198207855f;
constexpr float kExpC4 = 0.04189012572169304f, kExpC5 = 0.008312533609569073f;

// Applied per output element, in this order: + bias[column], + residual[row, column], activation.
struct Epilogue {
  const float* bias = nullptr;      // [N] (per output channel), or null
  const float* residual = nullptr;  // [M, N] with row stride residual_stride, or null; may alias C
  int64_t residual_stride = 0;
  Activation activation = Activation::kNone;
  float alpha = 0.0f;  // Clip min, LeakyRelu slope
  float beta = 0.0f;   // Clip max
  // Multiplies the finished fp32 sums first: act(scale · A·B + bias + residual). MatMul's alpha
  // (a scalar folded from Mul nodes); honoured by gemm_block of f32_gemm and of the lowp bf16/f16
  // tiles (epilogue_row), not by the conv families; only without a residual.
  float scale = 1.0f;

  bool empty() const {
    return bias == nullptr && residual == nullptr && activation == Activation::kNone && scale == 1.0f;
  }
};

// Register-blocked microkernel: C[mr, nr] (+)= Apacked[kc][MR] · Bpanel[kc][NR].
// a: MR-interleaved A panel (rows >= mr are zero padding); b: NR-wide B panel slice (64-byte
// aligned); c: row-major with row stride ldc; only the mr x nr corner is written.
// accumulate: add to C instead of overwriting it.
using UkernelFn = void (*)(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate);

// Epilogue over one contiguous row of n outputs: c = act(c + bias + residual); bias/residual may be
// null. Used by GEMM tiles right after the microkernel and by the conv family.
using EpilogueRowFn = void (*)(float* c, int64_t n, const float* bias, const float* residual,
                               const Epilogue& epilogue);

// The epilogue of one register tile, applied in registers before the tile is stored: bias is
// already offset to the tile's first column, residual to its first element (row stride
// residual_stride); either may be null.
struct TileEpilogue {
  const Epilogue* epilogue;
  const float* bias;
  const float* residual;
  int64_t residual_stride;
};

// Register-blocked microkernel that reads A in place (no packing): row i of the tile is
// a[i * lda + 0 .. kc). C[mr, nr] (+)= A · Bpanel, then `tile` (if not null) in registers.
// Rows past mr are never read. Fastest when few B panels share each A row (small N), where
// packing A would cost as much as the multiply.
using DirectUkernelFn = void (*)(int64_t kc, const float* a, int64_t lda, const float* b,
                                 float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                 const TileEpilogue* tile);

// Indirect microkernel (convolution without im2col): row i of the A tile is the concatenation
// over taps t of the cin floats at a[t * MR + i] (MR = the variant's mr; rows past mr are never
// read). C[mr, nr] (+)= A · Bpanel over all taps * cin steps, then `tile` in registers. A tap
// whose first entry a[t * MR] is null is zero in every row (padding for the whole tile): its
// cin steps are skipped, B's with them.
using IndirectUkernelFn = void (*)(int64_t taps, const float* const* a, int64_t cin,
                                   const float* b, float* c, int64_t ldc, int64_t mr, int64_t nr,
                                   bool accumulate, const TileEpilogue* tile);

struct GemmVariant {
  const char* name;  // f32_gemm_<MR>x<NR>__<isa>
  Isa isa;           // ISA the host must support
  int mr, nr;        // register tile
  int kc, mc;        // cache blocking: K block (B panel slice in L1), M block (A block in L2)
  UkernelFn ukernel;
  EpilogueRowFn epilogue_row;
  DirectUkernelFn direct;      // null when the variant has no in-place-A microkernel
  IndirectUkernelFn indirect;  // null when the variant has no indirect (conv) microkernel
};

// How gemm_block reads A: packed per cache block, in place (variants with `direct`), or chosen
// by shape (in place when few B panels reuse each A block).
enum class APath : int { kAuto = 0, kPacked, kDirect };

struct GemmParams {
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;  // [M, K], row stride lda
  int64_t lda = 0;
  const float* packed_b = nullptr;  // pack_b(variant, K, N, ...) output, 64-byte aligned
  float* c = nullptr;               // [M, N], row stride ldc
  int64_t ldc = 0;
  Epilogue epilogue;
  APath a_path = APath::kAuto;
};

// Size in floats of pack_b's output for a K x N matrix B.
size_t packed_b_size(const GemmVariant& variant, int64_t k, int64_t n);

// Packs B (element [k, n] at b[k * k_stride + n * n_stride]; pass k_stride = 1, n_stride = ldb
// for a transposed B) into `packed` (packed_b_size floats, 64-byte aligned).
void pack_b(const GemmVariant& variant, int64_t k, int64_t n, const float* b, int64_t k_stride,
            int64_t n_stride, float* packed);

// C = epilogue(A · B) over the pool (null pool or small problems: the calling thread only).
void gemm(const GemmVariant& variant, const GemmParams& params, ThreadPool* pool);

// Single-threaded C[m0:m1, n0:n1]; n0 must be a multiple of variant.nr. Building block for gemm()
// and the conv family.
void gemm_block(const GemmVariant& variant, const GemmParams& params, int64_t m0, int64_t m1,
                int64_t n0, int64_t n1);

// Batched MatMul of two activations (attention QK^T, PV): C[b] = epilogue(A[b] · B[b]) where B is
// not prepacked: it is packed per batch on the fly. Strides are in floats; a batch stride of 0
// broadcasts. Transposed B: b_k_stride = 1, b_n_stride = row stride of B^T.
struct BatchedMatmulParams {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t a_batch_stride = 0, lda = 0;
  const float* b = nullptr;
  int64_t b_batch_stride = 0, b_k_stride = 0, b_n_stride = 1;
  float* c = nullptr;
  int64_t c_batch_stride = 0, ldc = 0;
  Epilogue epilogue;               // bias shared by batches; residual advances by residual_batch_stride
  int64_t residual_batch_stride = 0;
};

void batched_matmul(const GemmVariant& variant, const BatchedMatmulParams& params,
                    ThreadPool* pool);

}  // namespace kiln::f32_gemm
