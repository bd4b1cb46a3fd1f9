// AVX-512 f32 GEMM microkernels: MR x (16*NV) register tiles, B panel loaded once per k step,
// A elements broadcast from the MR-interleaved packed panel.
#include <immintrin.h>

#include <cassert>

#include "ukernels.h"
#include "vmath-avx512.h"

namespace kiln::f32_gemm {
namespace {

template <int MR, int NV>
void ukernel_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr,
                    int64_t nr, bool accumulate) {
  assert(kc >= 1 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += 16 * NV;
  }
  if (mr == MR && nr == 16 * NV) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      float* row = c + i * ldc;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        __m512 v = acc[i][j];
        if (accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(row + 16 * j));
        _mm512_storeu_ps(row + 16 * j, v);
      }
    }
    return;
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int64_t left = nr - 16 * j;
    mask[j] = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], row + 16 * j));
      _mm512_mask_storeu_ps(row + 16 * j, mask[j], v);
    }
  }
}

}  // namespace

void f32_gemm_6x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<6, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_12x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<12, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_14x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<14, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_8x48__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<8, 3>(kc, a, b, c, ldc, mr, nr, accumulate);
}

void f32_epilogue_row__avx512(float* c, int64_t n, const float* bias, const float* residual,
                              const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx512::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
