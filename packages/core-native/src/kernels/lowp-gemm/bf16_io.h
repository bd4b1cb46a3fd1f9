// bf16 activations between bf16 layers: bf16_gemm with A, C and/or the residual stored as
// bfloat16 (the upper half of an fp32, rounded to nearest even by float_to_bf16) instead of fp32.
// A bf16 A is already what the packers would round an fp32 A to, so it is copied or read in place;
// C is the fp32 result of the same tiles and epilogue, rounded once when stored. So every output
// is bit for bit float_to_bf16 of what bf16_gemm computes from the widened fp32 operands.
#pragma once

#include <cstdint>

#include "lowp.h"

namespace kiln::lowp_gemm {

struct Bf16Io {
  const uint16_t* a = nullptr;         // bf16 A [M, K], row stride LowpParams::lda (else params.a)
  bool a_padded = false;               // a's rows readable to round_up(K, 32), zero past K
  uint16_t* c = nullptr;               // bf16 C, row stride ldc (else params.c)
  const uint16_t* residual = nullptr;  // bf16 residual, row stride epilogue.residual_stride
};

// C[m0:m1, n0:n1] on the AMX bf16 variant (n0 a multiple of 32): each 32-row block of A is read
// in place (bf16, K a multiple of 32 or padded rows) or packed once, each 32 x 32 tile summed
// over K blocks of variant.kc as bf16_gemm does, then bias, residual and activation per row
// (f32-gemm's AVX-512 epilogue, as variant.epilogue_row applies it) and one rounding to bf16 on store.
void bf16_gemm_io__amx(const LowpVariant& variant, const LowpParams& params, const Bf16Io& io, int64_t m0,
                       int64_t m1, int64_t n0, int64_t n1);

// The same on the AVX512-BF16 variant (bf16_gemm_14x32c2__avx512bf16; n0 a multiple of 32):
// tiles of 14 x 32 read bf16 A rows in place (whole pairs) or convert fp32 ones once, sum over K
// blocks of variant.kc as bf16_gemm does, and finish each row as above.
void bf16_gemm_io__avx512bf16(const LowpVariant& variant, const LowpParams& params, const Bf16Io& io, int64_t m0,
                              int64_t m1, int64_t n0, int64_t n1);

// Whether a conv or MatMul with fp32 A runs `variant`'s bf16-io kernel rather than gemm_block:
// AVX512-BF16 reads fp32 A rows converted once per block of rows (gemm_block would scatter them
// into pair panels one dword at a time); AMX keeps its packed panels there (its gemm() takes the
// bf16-io kernel for fp32 A and C either way).
inline bool io_for_fp32(const LowpVariant& variant) { return variant.io != nullptr && !variant.amx; }

// Row conversions (scalar: float_to_bf16 / bf16_to_float; AVX-512: bit-identical).
void widen_bf16_row(const uint16_t* x, int64_t n, float* y);
void narrow_bf16_row(const float* x, int64_t n, uint16_t* y);
void widen_bf16_row__avx512(const uint16_t* x, int64_t n, float* y);
void narrow_bf16_row__avx512(const float* x, int64_t n, uint16_t* y);
// The fastest of the two this CPU runs, over the pool in chunks (null pool: the calling thread).
void widen_bf16(const uint16_t* x, int64_t n, float* y, ThreadPool* pool);
void narrow_bf16(const float* x, int64_t n, uint16_t* y, ThreadPool* pool);

}  // namespace kiln::lowp_gemm
