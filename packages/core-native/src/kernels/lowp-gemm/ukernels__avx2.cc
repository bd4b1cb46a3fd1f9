// AVX2 fallback of qu8_gemm for CPUs without VNNI: u8 and s8 quads widened to 16 bits and
// multiplied with vpmaddwd, which sums pairs into int32 exactly (255 * 128 * 2 fits easily).
// vpmaddubsw is not used: it saturates its 16-bit pair sums (255 * 127 * 2 > 32767), which
// would make results depend on the data. Plus the AVX2 dequantize row.
#include <immintrin.h>

#include <cassert>
#include <cmath>
#include <cstring>

#include "lowp.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {

void qu8_gemm_6x8c4__avx2(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                          int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  constexpr int kMr = 6;
  assert(kc >= 4 && kc % 4 == 0 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 8 && !accumulate);
  const uint8_t* a = static_cast<const uint8_t*>(a_packed);
  const int8_t* b = static_cast<const int8_t*>(b_packed);
  int32_t* c = static_cast<int32_t*>(c_out);
  // acc_lo lanes: (col 0, k 0-1), (col 0, k 2-3), (col 1, ...), ... cols 0-3; acc_hi: cols 4-7.
  __m256i acc_lo[kMr], acc_hi[kMr];
  for (int i = 0; i < kMr; ++i) acc_lo[i] = acc_hi[i] = _mm256_setzero_si256();
  for (int64_t p = 0; p < kc / 4; ++p) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b_lo = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(raw));
    const __m256i b_hi = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(raw, 1));
#pragma GCC unroll 6
    for (int i = 0; i < kMr; ++i) {
      int32_t quad;
      std::memcpy(&quad, a + 4 * i, 4);
      const __m256i av = _mm256_cvtepu8_epi16(_mm_set1_epi32(quad));
      acc_lo[i] = _mm256_add_epi32(acc_lo[i], _mm256_madd_epi16(av, b_lo));
      acc_hi[i] = _mm256_add_epi32(acc_hi[i], _mm256_madd_epi16(av, b_hi));
    }
    a += 4 * kMr;
    b += 32;
  }
  for (int64_t i = 0; i < mr; ++i) {
    // hadd -> [c0 c1 c4 c5 | c2 c3 c6 c7]; the 64-bit permute puts the columns in order.
    const __m256i sums = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc_lo[i], acc_hi[i]), 0xD8);
    alignas(32) int32_t row[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(row), sums);
    std::memcpy(c + i * ldc, row, sizeof(int32_t) * nr);
  }
}

void dequant_row__avx2(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                       float* out) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 v = _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + j)));
    _mm256_storeu_ps(out + j, _mm256_fmadd_ps(v, _mm256_loadu_ps(scale + j), _mm256_loadu_ps(offset + j)));
  }
  for (; j < n; ++j) out[j] = std::fma(static_cast<float>(acc[j]), scale[j], offset[j]);
}

}  // namespace kiln::lowp_gemm
