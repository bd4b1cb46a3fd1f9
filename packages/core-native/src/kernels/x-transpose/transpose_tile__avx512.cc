// 16x16 in-register transpose: four butterfly stages (h = 8, 4, 2, 1), each swapping bit h of the
// row and column indices with two-source permutes.
#include <immintrin.h>

#include "kernels/x-transpose/transpose_tile.h"

namespace kiln {

void transpose_tile_4byte__avx512(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                  int64_t dst_stride) {
  alignas(64) int32_t lo_index[4][16], hi_index[4][16];
  #pragma GCC unroll 16
  for (int s = 0; s < 4; ++s) {
    const int h = 8 >> s;
    #pragma GCC unroll 16
    for (int j = 0; j < 16; ++j) {
      lo_index[s][j] = (j & h) ? 16 + j - h : j;
      hi_index[s][j] = (j & h) ? 16 + j : j + h;
    }
  }
  __m512i lo[4], hi[4];
  #pragma GCC unroll 16
  for (int s = 0; s < 4; ++s) {
    lo[s] = _mm512_load_si512(lo_index[s]);
    hi[s] = _mm512_load_si512(hi_index[s]);
  }
  const int64_t full_rows = rows / 16 * 16, full_cols = cols / 16 * 16;
  for (int64_t i0 = 0; i0 < full_rows; i0 += 16) {
    for (int64_t j0 = 0; j0 < full_cols; j0 += 16) {
      __m512i r[16];
      #pragma GCC unroll 16
      for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_si512(src + (i0 + i) * src_stride + j0);
      #pragma GCC unroll 16
      for (int s = 0; s < 4; ++s) {
        const int h = 8 >> s;
        #pragma GCC unroll 16
        for (int i = 0; i < 16; ++i) {
          if (i & h) continue;
          const __m512i a = r[i], b = r[i + h];
          r[i] = _mm512_permutex2var_epi32(a, lo[s], b);
          r[i + h] = _mm512_permutex2var_epi32(a, hi[s], b);
        }
      }
      #pragma GCC unroll 16
      for (int j = 0; j < 16; ++j) _mm512_storeu_si512(dst + (j0 + j) * dst_stride + i0, r[j]);
    }
  }
  transpose_edge_4byte(src, src_stride, 0, full_rows, full_cols, cols, dst, dst_stride);
  transpose_edge_4byte(src, src_stride, full_rows, rows, 0, cols, dst, dst_stride);
}

}  // namespace kiln
