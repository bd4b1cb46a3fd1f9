// 2-D transpose microkernels of 4-byte elements for x_transpose's fast variants:
// dst[j * dst_stride + i] = src[i * src_stride + j] for i < rows, j < cols. Full register blocks
// (16x16 AVX-512, 8x8 AVX2) are transposed in registers, the edges element by element. The
// scalar reference is x_transpose's generic strided path (x_transpose__scalar).
#pragma once

#include <cstdint>

namespace kiln {

using TransposeTileFn = void (*)(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                 int64_t dst_stride);

#if defined(KILN_X86)
void transpose_tile_4byte__avx2(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                int64_t dst_stride);
void transpose_tile_4byte__avx512(const uint32_t* src, int64_t src_stride, int64_t rows, int64_t cols, uint32_t* dst,
                                  int64_t dst_stride);
#endif

// Element-by-element edge loop shared by the ISA files (writes stay sequential in dst).
inline void transpose_edge_4byte(const uint32_t* src, int64_t src_stride, int64_t i0, int64_t i1, int64_t j0,
                                 int64_t j1, uint32_t* dst, int64_t dst_stride) {
  for (int64_t j = j0; j < j1; ++j) {
    for (int64_t i = i0; i < i1; ++i) dst[j * dst_stride + i] = src[i * src_stride + j];
  }
}

}  // namespace kiln
