// Internal packing helpers of the f32 GEMM family.
#pragma once

#include "gemm.h"

namespace kiln::f32_gemm {

// Packs rows [0, m) x columns [0, k) of A (row stride lda) into ceil(m/mr) panels of k x mr
// floats (element [i, kk] of panel p at packed[p*k*mr + kk*mr + i]); rows past m are zero.
void pack_a(const float* a, int64_t lda, int64_t m, int64_t k, int mr, float* packed);

}  // namespace kiln::f32_gemm
