// AVX2+FMA f32 GEMM microkernel: 6x16 register tile (12 accumulators + 2 B vectors + broadcast).
#include <immintrin.h>

#include <cassert>

#include "ukernels.h"
#include "vmath-avx2.h"

namespace kiln::f32_gemm {

void f32_gemm_6x16__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                         int64_t mr, int64_t nr, bool accumulate) {
  constexpr int kMr = 6;
  assert(kc >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 16);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  __m256 acc[kMr][2];
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += kMr;
    b += 16;
  }
  if (mr == kMr && nr == 16) {
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      float* row = c + i * ldc;
      __m256 v0 = acc[i][0], v1 = acc[i][1];
      if (accumulate) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, v0);
      _mm256_storeu_ps(row + 8, v1);
    }
    return;
  }
  const __m256i m0 = avx2::tail_mask(nr >= 8 ? 8 : nr);
  const __m256i m1 = avx2::tail_mask(nr >= 16 ? 8 : nr > 8 ? nr - 8 : 0);
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m256 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm256_add_ps(v0, _mm256_maskload_ps(row, m0));
      v1 = _mm256_add_ps(v1, _mm256_maskload_ps(row + 8, m1));
    }
    _mm256_maskstore_ps(row, m0, v0);
    _mm256_maskstore_ps(row + 8, m1, v1);
  }
}

void f32_epilogue_row__avx2(float* c, int64_t n, const float* bias, const float* residual,
                            const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx2::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
