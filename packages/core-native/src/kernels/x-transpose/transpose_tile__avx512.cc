// 16x16 in-register transpose: four butterfly stages (h = 8, 4, 2, 1), each swapping bit h of the
// row and column indices with two-source permutes. Two to four rows or columns (an RGB image's
// planes, a 3-channel output) interleave or deinterleave 16 columns or rows at a time instead.
#include <immintrin.h>

#include "kernels/x-transpose/transpose_tile.h"

namespace kiln {
namespace {

// Lane m of the k-th of d vectors of interleaved values (flat index 16k + m) is value (16k + m) / d
// of row (16k + m) % d: d masked permutes per output vector, one per row. Deinterleaving reads it
// the other way: lane p of row c is flat index p * d + c of the d input vectors.
struct Interleave {
  __m512i index[4];
  __mmask16 mask[4][4];  // [output vector][row] for interleave, [row][input vector] for deinterleave

  Interleave(int d, bool inverse) {
    alignas(64) int32_t lanes[16];
    for (int v = 0; v < d; ++v) {
      for (int r = 0; r < d; ++r) mask[v][r] = 0;
      for (int m = 0; m < 16; ++m) {
        const int flat = inverse ? m * d + v : 16 * v + m;
        lanes[m] = inverse ? flat % 16 : flat / d;
        mask[v][inverse ? flat / 16 : flat % d] |= static_cast<__mmask16>(1u << m);
      }
      index[v] = _mm512_load_si512(lanes);
    }
  }
};

// Rows [0, D) of 16-column blocks from column 0 while 16 fit, into D-value output rows that lie
// back to back (dst_stride == D); returns the columns done.
template <int D>
int64_t interleave_rows(const uint32_t* src, int64_t src_stride, int64_t cols, uint32_t* dst) {
  const Interleave table(D, false);
  int64_t j = 0;
  for (; j + 16 <= cols; j += 16) {
    __m512i r[D];
    #pragma GCC unroll 4
    for (int i = 0; i < D; ++i) r[i] = _mm512_loadu_si512(src + i * src_stride + j);
    #pragma GCC unroll 4
    for (int v = 0; v < D; ++v) {
      __m512i out = _mm512_setzero_si512();
      #pragma GCC unroll 4
      for (int i = 0; i < D; ++i) out = _mm512_mask_permutexvar_epi32(out, table.mask[v][i], table.index[v], r[i]);
      _mm512_storeu_si512(dst + j * D + 16 * v, out);
    }
  }
  return j;
}

// Input rows of D values that lie back to back (src_stride == D), 16 at a time from row 0, into D
// output rows; returns the rows done.
template <int D>
int64_t deinterleave_rows(const uint32_t* src, int64_t rows, uint32_t* dst, int64_t dst_stride) {
  const Interleave table(D, true);
  int64_t i = 0;
  for (; i + 16 <= rows; i += 16) {
    __m512i in[D];
    #pragma GCC unroll 4
    for (int v = 0; v < D; ++v) in[v] = _mm512_loadu_si512(src + i * D + 16 * v);
    #pragma GCC unroll 4
    for (int c = 0; c < D; ++c) {
      __m512i out = _mm512_setzero_si512();
      #pragma GCC unroll 4
      for (int v = 0; v < D; ++v) out = _mm512_mask_permutexvar_epi32(out, table.mask[c][v], table.index[c], in[v]);
      _mm512_storeu_si512(dst + c * dst_stride + i, out);
    }
  }
  return i;
}

int64_t interleave(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst) {
  if (rows == 2) return interleave_rows<2>(src, src_stride, cols, dst);
  if (rows == 3) return interleave_rows<3>(src, src_stride, cols, dst);
  return interleave_rows<4>(src, src_stride, cols, dst);
}

int64_t deinterleave(const uint32_t* src, int64_t rows, int64_t cols, uint32_t* dst, int64_t dst_stride) {
  if (cols == 2) return deinterleave_rows<2>(src, rows, dst, dst_stride);
  if (cols == 3) return deinterleave_rows<3>(src, rows, dst, dst_stride);
  return deinterleave_rows<4>(src, rows, dst, dst_stride);
}

}  // namespace

void transpose_tile_4byte__avx512(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                  int64_t dst_stride) {
  if (rows >= 2 && rows <= 4 && dst_stride == rows) {
    const int64_t done = interleave(src, src_stride, rows, cols, dst);
    return transpose_edge_4byte(src, src_stride, 0, rows, done, cols, dst, dst_stride);
  }
  if (cols >= 2 && cols <= 4 && src_stride == cols) {
    const int64_t done = deinterleave(src, rows, cols, dst, dst_stride);
    return transpose_edge_4byte(src, src_stride, done, rows, 0, cols, dst, dst_stride);
  }
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
