// Tile helpers shared by the AVX-512 reduced-precision microkernel files (include only from files
// built with the AVX-512 flags). Internal linkage on purpose: each ISA file (avx512vnni, avx512bf16,
// avx512fp16) keeps its own copy compiled with its own flags, so the linker can never hand one
// file a copy that uses instructions its CPU level does not have.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <type_traits>

namespace kiln::lowp_gemm {
namespace {

__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

template <int MR>
void store_f32(__m512 (&acc)[MR][2], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  const __mmask16 m0 = tail_mask(nr), m1 = tail_mask(nr - 16);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

// A panel holds PANEL rows (the variant's MR); a kernel instance computes its first MR of them.
// A short panel (the last rows of M; M = 1 for a classifier at batch 1) takes the instance of the
// fewest rows that covers mr (by_rows), so it does not multiply zero rows: at M = 1 the 14-row
// kernel did 14 times the arithmetic for the same stream of B.
template <int PANEL, class Call>
void by_rows(int64_t mr, const Call& call) {
  if (mr <= 1) return call(std::integral_constant<int, 1>());
  if (mr <= 2) return call(std::integral_constant<int, 2>());
  if constexpr (PANEL > 4) {
    if (mr <= 4) return call(std::integral_constant<int, 4>());
  }
  if constexpr (PANEL > 8) {
    if (mr <= 8) return call(std::integral_constant<int, 8>());
  }
  call(std::integral_constant<int, PANEL>());
}

}  // namespace
}  // namespace kiln::lowp_gemm
