// The per-run B packer of bf16_matmul with AVX-512F/BW: two rows of 16 columns at a time, each
// rounded with lowp-gemm's bf16_round_16 (bit for bit float_to_bf16) and interleaved into k pairs
// with one permute: 64 bytes of a panel row per step.
#include <immintrin.h>

#include <cassert>

#include "kernels/lowp-gemm/bf16_avx512.h"
#include "matmul.h"

namespace kiln::bf16_matmul {

using lowp_gemm::bf16_round_16;
using lowp_gemm::lanes_16;

void pack_b_bf16_32__avx512(int64_t k, int64_t n, const float* b, int64_t ldb, int64_t kpad, uint16_t* packed) {
  assert(k >= 1 && n >= 1 && kpad >= k && kpad % 2 == 0 && ldb >= n);
  // Word 2i of the result is word i of row k (low half), word 2i + 1 is word i of row k + 1.
  alignas(64) static const uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                      8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  const __m512i interleave = _mm512_load_si512(kInterleave);
  for (int64_t j0 = 0; j0 < n; j0 += 32) {
    uint16_t* panel = packed + (j0 / 32) * kpad * 32;
    const __mmask16 lo = lanes_16(n - j0), hi = lanes_16(n - j0 - 16);
    for (int64_t kk = 0; kk < kpad; kk += 2) {
      // Rows past K are zeros (masked loads read nothing); their pointers stay inside B.
      const float* row0 = b + (kk < k ? kk : 0) * ldb + j0;
      const float* row1 = b + (kk + 1 < k ? kk + 1 : 0) * ldb + j0;
      const __mmask16 lo0 = kk < k ? lo : 0, hi0 = kk < k ? hi : 0;
      const __mmask16 lo1 = kk + 1 < k ? lo : 0, hi1 = kk + 1 < k ? hi : 0;
      const __m256i r0_lo = bf16_round_16(_mm512_maskz_loadu_ps(lo0, row0));
      const __m256i r1_lo = bf16_round_16(_mm512_maskz_loadu_ps(lo1, row1));
      const __m256i r0_hi = bf16_round_16(_mm512_maskz_loadu_ps(hi0, row0 + 16));
      const __m256i r1_hi = bf16_round_16(_mm512_maskz_loadu_ps(hi1, row1 + 16));
      uint16_t* out = panel + kk * 32;
      _mm512_storeu_si512(out, _mm512_permutexvar_epi16(interleave, _mm512_inserti64x4(_mm512_castsi256_si512(r0_lo), r1_lo, 1)));
      _mm512_storeu_si512(out + 32, _mm512_permutexvar_epi16(interleave, _mm512_inserti64x4(_mm512_castsi256_si512(r0_hi), r1_hi, 1)));
    }
  }
}

}  // namespace kiln::bf16_matmul
