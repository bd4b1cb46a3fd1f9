// AVX-512BW pixel of qu8_maxpool2d_nhwc: 64 channels per vpmaxub, masked tail.
#include <immintrin.h>

#include "maxpool.h"

namespace kiln::lowp_pool {

void max_pixel__avx512(const uint8_t* const* taps, int64_t count, int64_t c, uint8_t* y) {
  for (int64_t c0 = 0; c0 < c; c0 += 64) {
    const int64_t left = c - c0;
    const __mmask64 m = left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
    __m512i acc = _mm512_setzero_si512();
    for (int64_t t = 0; t < count; ++t) acc = _mm512_max_epu8(acc, _mm512_maskz_loadu_epi8(m, taps[t] + c0));
    _mm512_mask_storeu_epi8(y + c0, m, acc);
  }
}

}  // namespace kiln::lowp_pool
