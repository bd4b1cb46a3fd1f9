// AVX512-BF16 microkernel of the bf16 GEMM family (built with AVX512-BF16: Cooper Lake, Zen 4,
// Sapphire Rapids):
//   bf16_gemm_14x32c2  vdpbf16ps on bf16 pairs (fp32 accumulators), A pairs broadcast as dwords
// plus its A packer (fp32 rows to bf16 pairs).
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "bf16_avx512.h"
#include "lowp.h"
#include "pack.h"
#include "tile__avx512.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

typedef int32_t dword_alias __attribute__((may_alias));

template <int MR, int PANEL>
void bf16_ukernel(int64_t kc, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, int64_t mr,
                  int64_t nr, bool accumulate) {
  static_assert(MR <= PANEL);
  assert(kc >= 2 && kc % 2 == 0 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 32);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  const dword_alias* pairs = reinterpret_cast<const dword_alias*>(a);
  for (int64_t p = 0; p < kc / 2; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(b);
    const __m512bh b1 = (__m512bh)_mm512_load_si512(b + 32);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(pairs[i]);
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
    }
    pairs += PANEL;
    b += 64;
  }
  store_f32<MR>(acc, c, ldc, mr, nr, accumulate);
}

}  // namespace

void bf16_gemm_14x32c2__avx512bf16(int64_t kc, const void* a, const void* b, void* c, int64_t ldc,
                                   int64_t mr, int64_t nr, bool accumulate) {
  by_rows<14>(mr, [&](auto rows) {
    bf16_ukernel<decltype(rows)::value, 14>(kc, static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b),
                           static_cast<float*>(c), ldc, mr, nr, accumulate);
  });
}

// [kpad/2][mr] dword pairs: each row is converted 32 values at a time, then its pairs are spread.
void pack_a_bf16_pairs__avx512bf16(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                                   const Quantization&, void* packed) {
  const int64_t pairs = (k + 1) / 2;
  uint32_t* out = static_cast<uint32_t*>(packed);
  alignas(64) uint16_t converted[32];
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint32_t* panel = out + p * mr * pairs;
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      for (int64_t k0 = 0; k0 < 2 * pairs; k0 += 32) {
        const int64_t count = row < rows ? std::min<int64_t>(32, k - k0) : 0;
        _mm512_store_si512(converted, bf16_convert_32(a + row * lda + k0, count));
        const int64_t n_pairs = std::min<int64_t>(16, pairs - k0 / 2);
        for (int64_t q = 0; q < n_pairs; ++q) {
          uint32_t pair;
          std::memcpy(&pair, converted + 2 * q, 4);
          panel[(k0 / 2 + q) * mr + i] = pair;
        }
      }
    }
  }
}

}  // namespace kiln::lowp_gemm
