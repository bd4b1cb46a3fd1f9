// AVX-512 requantize row of the qu8 families: bit-identical to requantize_row_u8 (the same
// multiplication by 1/scale, round-half-even and saturation), 16 values per step.
#include <immintrin.h>

#include "lowp.h"

namespace kiln::lowp_gemm {

void requantize_row_u8__avx512(const float* x, int64_t n, float scale, int32_t zero_point, int32_t lo,
                               int32_t hi, uint8_t* y) {
  const __m512 s = _mm512_set1_ps(1.0f / scale), z = _mm512_set1_ps(static_cast<float>(zero_point));
  const __m512 low = _mm512_set1_ps(static_cast<float>(lo < 0 ? 0 : lo));
  const __m512 high = _mm512_set1_ps(static_cast<float>(hi > 255 ? 255 : hi));
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), s);
    v = _mm512_add_ps(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), z);
    // max(NaN, low) is low (the second operand wins on NaN), as the scalar row maps NaN to lo.
    v = _mm512_min_ps(_mm512_max_ps(v, low), high);
    _mm_mask_storeu_epi8(y + j, m, _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(v)));
  }
}

void finish_row_qu8__avx512(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                            const float* residual, const uint8_t* residual_u8, const RowFinish& finish,
                            float* out, uint8_t* out_u8) {
  const __m512i residual_zero = _mm512_set1_epi32(finish.residual_grid.zero_point);
  const __m512 residual_scale = _mm512_set1_ps(finish.residual_grid.scale);
  const __m512 lo = _mm512_set1_ps(finish.lo), hi = _mm512_set1_ps(finish.hi);
  const __m512 inverse = _mm512_set1_ps(out_u8 != nullptr ? 1.0f / finish.output.scale : 1.0f);
  const __m512 zero_point = _mm512_set1_ps(static_cast<float>(finish.output.zero_point));
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    __m512 v = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, acc + j));
    v = _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m, scale + j), _mm512_maskz_loadu_ps(m, offset + j));
    if (residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual + j));
    if (residual_u8 != nullptr) {
      const __m512i r = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, residual_u8 + j)), residual_zero);
      v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r), residual_scale, v);
    }
    v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
    if (out_u8 == nullptr) {
      _mm512_mask_storeu_ps(out + j, m, v);
      continue;
    }
    v = _mm512_mul_ps(v, inverse);
    v = _mm512_add_ps(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zero_point);
    v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));
    _mm_mask_storeu_epi8(out_u8 + j, m, _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(v)));
  }
}

}  // namespace kiln::lowp_gemm
