// x-where, avx512 variant: 4-byte words 16 lanes and 8-byte words 8 lanes at a time (cond bytes
// tested into a lane mask, masked blend; masked loads/stores for the tail); 1 and 2-byte words
// run the plain loop.
#include <immintrin.h>

#include "kernels/x-where/where_loops.h"

KILN_DEFINE_WHERE_LOOP(avx512, 1, uint8_t)
KILN_DEFINE_WHERE_LOOP(avx512, 2, uint16_t)

namespace kiln {
namespace {

inline __mmask16 cond_mask(const uint8_t* cond, bool cond_vec, size_t i, __mmask16 lanes) {
  if (!cond_vec) return cond[0] != 0 ? lanes : 0;
  const __m128i c = _mm_maskz_loadu_epi8(lanes, cond + i);
  return _mm_test_epi8_mask(c, c);
}

}  // namespace

void x_where_b4__avx512(size_t n, const uint8_t* cond, bool cond_vec, const void* x_, bool x_vec, const void* y_,
                        bool y_vec, void* out_) {
  const int32_t* x = static_cast<const int32_t*>(x_);
  const int32_t* y = static_cast<const int32_t*>(y_);
  int32_t* out = static_cast<int32_t*>(out_);
  const __m512i xs = _mm512_set1_epi32(x[0]), ys = _mm512_set1_epi32(y[0]);
  for (size_t i = 0; i < n; i += 16) {
    const __mmask16 lanes = n - i >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - i)) - 1);
    const __mmask16 m = cond_mask(cond, cond_vec, i, lanes);
    const __m512i vx = x_vec ? _mm512_maskz_loadu_epi32(lanes, x + i) : xs;
    const __m512i vy = y_vec ? _mm512_maskz_loadu_epi32(lanes, y + i) : ys;
    _mm512_mask_storeu_epi32(out + i, lanes, _mm512_mask_blend_epi32(m, vy, vx));
  }
}

void x_where_b8__avx512(size_t n, const uint8_t* cond, bool cond_vec, const void* x_, bool x_vec, const void* y_,
                        bool y_vec, void* out_) {
  const int64_t* x = static_cast<const int64_t*>(x_);
  const int64_t* y = static_cast<const int64_t*>(y_);
  int64_t* out = static_cast<int64_t*>(out_);
  const __m512i xs = _mm512_set1_epi64(x[0]), ys = _mm512_set1_epi64(y[0]);
  for (size_t i = 0; i < n; i += 8) {
    const __mmask8 lanes = n - i >= 8 ? __mmask8(0xFF) : __mmask8((1u << (n - i)) - 1);
    const __mmask8 m = static_cast<__mmask8>(cond_mask(cond, cond_vec, i, lanes));
    const __m512i vx = x_vec ? _mm512_maskz_loadu_epi64(lanes, x + i) : xs;
    const __m512i vy = y_vec ? _mm512_maskz_loadu_epi64(lanes, y + i) : ys;
    _mm512_mask_storeu_epi64(out + i, lanes, _mm512_mask_blend_epi64(m, vy, vx));
  }
}

}  // namespace kiln
