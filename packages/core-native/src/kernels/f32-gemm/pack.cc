// Packing for the f32 GEMM family (plain C++, no intrinsics).
#include "pack.h"

#include <cassert>
#include <cstdint>
#include <cstring>

namespace kiln::f32_gemm {

size_t packed_b_size(const GemmVariant& variant, int64_t k, int64_t n) {
  assert(k >= 1 && n >= 1);
  const int64_t panels = (n + variant.nr - 1) / variant.nr;
  return static_cast<size_t>(panels * k * variant.nr);
}

void pack_b(const GemmVariant& variant, int64_t k, int64_t n, const float* b, int64_t k_stride,
            int64_t n_stride, float* packed) {
  assert(k >= 1 && n >= 1 && b != nullptr && packed != nullptr);
  assert((reinterpret_cast<uintptr_t>(packed) & 63) == 0);
  const int64_t nr = variant.nr;
  for (int64_t n0 = 0; n0 < n; n0 += nr) {
    const int64_t width = n - n0 < nr ? n - n0 : nr;
    float* panel = packed + (n0 / nr) * k * nr;
    if (n_stride == 1 && width == nr) {
      for (int64_t kk = 0; kk < k; ++kk) {
        std::memcpy(panel + kk * nr, b + kk * k_stride + n0, sizeof(float) * nr);
      }
      continue;
    }
    for (int64_t kk = 0; kk < k; ++kk) {
      float* dst = panel + kk * nr;
      const float* src = b + kk * k_stride + n0 * n_stride;
      int64_t j = 0;
      for (; j < width; ++j) dst[j] = src[j * n_stride];
      for (; j < nr; ++j) dst[j] = 0.0f;
    }
  }
}

void pack_a(const float* a, int64_t lda, int64_t m, int64_t k, int mr, float* packed) {
  assert(m >= 1 && k >= 1 && mr >= 1);
  for (int64_t m0 = 0; m0 < m; m0 += mr) {
    const int64_t rows = m - m0 < mr ? m - m0 : mr;
    float* panel = packed + m0 * k;  // panels are k * mr floats, m0 is a multiple of mr
    if (rows == mr) {
      // Walk rows in groups so each group's source lines stream sequentially.
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* src = a + m0 * lda + kk;
        float* dst = panel + kk * mr;
        for (int i = 0; i < mr; ++i) dst[i] = src[i * lda];
      }
      continue;
    }
    for (int64_t kk = 0; kk < k; ++kk) {
      float* dst = panel + kk * mr;
      int64_t i = 0;
      for (; i < rows; ++i) dst[i] = a[(m0 + i) * lda + kk];
      for (; i < mr; ++i) dst[i] = 0.0f;
    }
  }
}

}  // namespace kiln::f32_gemm
