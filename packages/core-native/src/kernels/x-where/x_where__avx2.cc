// x-where, avx2 variant: 4-byte words 8 lanes at a time (cond bytes widened to a lane mask and
// blended); other sizes and the tail run the plain loop.
#include <immintrin.h>

#include "kernels/x-where/where_loops.h"

KILN_DEFINE_WHERE_LOOP(avx2, 1, uint8_t)
KILN_DEFINE_WHERE_LOOP(avx2, 2, uint16_t)
KILN_DEFINE_WHERE_LOOP(avx2, 8, uint64_t)

namespace kiln {

void x_where_b4__avx2(size_t n, const uint8_t* cond, bool cond_vec, const void* x_, bool x_vec, const void* y_,
                      bool y_vec, void* out_) {
  const float* x = static_cast<const float*>(x_);
  const float* y = static_cast<const float*>(y_);
  float* out = static_cast<float*>(out_);
  const __m256 xs = _mm256_broadcast_ss(x), ys = _mm256_broadcast_ss(y);
  const __m256i zero = _mm256_setzero_si256();
  const __m256 cs = _mm256_castsi256_ps(_mm256_set1_epi32(cond[0] != 0 ? 0 : -1));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // is_false lanes take y: cond byte == 0.
    const __m256 is_false =
        cond_vec ? _mm256_castsi256_ps(_mm256_cmpeq_epi32(
                       _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(cond + i))), zero))
                 : cs;
    const __m256 vx = x_vec ? _mm256_loadu_ps(x + i) : xs;
    const __m256 vy = y_vec ? _mm256_loadu_ps(y + i) : ys;
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(vx, vy, is_false));
  }
  if (i < n) {
    where_loop<uint32_t>(n - i, cond + (cond_vec ? i : 0), cond_vec, x + (x_vec ? i : 0), x_vec, y + (y_vec ? i : 0),
                         y_vec, out + i);
  }
}

}  // namespace kiln
