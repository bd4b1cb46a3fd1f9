// 8x8 in-register transpose: unpack (pairs of rows), shuffle (quads), then 128-bit lane swaps.
#include <immintrin.h>

#include "kernels/x-transpose/transpose_tile.h"

namespace kiln {

void transpose_tile_4byte__avx2(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                int64_t dst_stride) {
  const int64_t full_rows = rows / 8 * 8, full_cols = cols / 8 * 8;
  for (int64_t i0 = 0; i0 < full_rows; i0 += 8) {
    for (int64_t j0 = 0; j0 < full_cols; j0 += 8) {
      __m256 r[8], t[8], u[8];
      #pragma GCC unroll 16
      for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(reinterpret_cast<const float*>(src + (i0 + i) * src_stride + j0));
      #pragma GCC unroll 16
      for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
      }
      #pragma GCC unroll 16
      for (int i = 0; i < 8; i += 4) {
        u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
        u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
        u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      #pragma GCC unroll 16
      for (int i = 0; i < 4; ++i) {
        r[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
        r[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
      }
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) _mm256_storeu_ps(reinterpret_cast<float*>(dst + (j0 + j) * dst_stride + i0), r[j]);
    }
  }
  transpose_edge_4byte(src, src_stride, 0, full_rows, full_cols, cols, dst, dst_stride);
  transpose_edge_4byte(src, src_stride, full_rows, rows, 0, cols, dst, dst_stride);
}

}  // namespace kiln
