// AVX-512 pixel of bf16_maxpool2d_nhwc: 16 channels widened (a shift) per vmaxps, masked tail.
#include <immintrin.h>

#include "kernels/lowp-gemm/bf16_avx512.h"
#include "maxpool.h"

namespace kiln::bf16_pool {

void max_pixel__avx512(const uint16_t* const* taps, int64_t count, int64_t c, uint16_t* y) {
  for (int64_t c0 = 0; c0 < c; c0 += 16) {
    const __mmask16 m = lowp_gemm::lanes_16(c - c0);
    __m512 acc = lowp_gemm::bf16_load_16(m, taps[0] + c0);
    for (int64_t t = 1; t < count; ++t) acc = _mm512_max_ps(acc, lowp_gemm::bf16_load_16(m, taps[t] + c0));
    // Exact: acc holds one of the bf16 inputs.
    _mm256_mask_storeu_epi16(y + c0, m, _mm512_cvtepi32_epi16(_mm512_srli_epi32(_mm512_castps_si512(acc), 16)));
  }
}

}  // namespace kiln::bf16_pool
