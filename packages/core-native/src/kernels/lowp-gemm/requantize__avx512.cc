// AVX-512 requantize row of the qu8 families: bit-identical to requantize_row_u8 (the same
// multiplication by 1/scale, round-half-even and saturation), 16 values per step.
#include <immintrin.h>

#include "finish__avx512.h"
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

void quantize_row_u8__avx512(const float* x, int64_t n, const Quantization& q, uint8_t* y) {
  const QuantizeVectors vectors(q);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = finish_mask(n - j);
    _mm_mask_storeu_epi8(y + j, m, quantize_16(_mm512_maskz_loadu_ps(m, x + j), vectors));
  }
}

void finish_row_qu8__avx512(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                            const float* residual, const uint8_t* residual_u8, const RowFinish& finish,
                            float* out, uint8_t* out_u8) {
  const FinishVectors f(finish);
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = finish_mask(n - j);
    const __m512 v = dequantize_16(_mm512_maskz_loadu_epi32(m, acc + j), m, scale + j, offset + j,
                                   residual != nullptr ? residual + j : nullptr,
                                   residual_u8 != nullptr ? residual_u8 + j : nullptr, f);
    store_16(v, m, f, out_u8 != nullptr ? nullptr : out + j, out_u8 != nullptr ? out_u8 + j : nullptr);
  }
}

}  // namespace kiln::lowp_gemm
