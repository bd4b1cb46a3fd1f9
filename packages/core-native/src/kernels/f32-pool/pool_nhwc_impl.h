// Vector bodies of NHWC pooling, compiled once per ISA TU (see kernels/simd/vec.h): the pixel
// kernel (mean, and max for callers with a tap list) and the max pooling rows (maxpool_rows.h),
// whose folds are the pixel kernel's: acc = vmax(acc, tap) in tap order (starting from the first
// tap is the same as starting from -inf: vmaxps returns its second operand unless the first is
// greater), so both give the same bits, NaN and -0 included.
#pragma once

#include <algorithm>
#include <limits>

#include "kernels/f32-pool/pool_nhwc.h"
#include "kernels/lowp-pool/maxpool_rows.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

struct F32Ops {
  using T = float;
  using Acc = V;
  static constexpr int64_t kLanes = W;
  static constexpr T kEmpty = -std::numeric_limits<float>::infinity();
  struct Full {};
#if defined(__AVX512F__)
  struct Part {
    __mmask16 m;
  };
  static Part part(int64_t left) { return {static_cast<__mmask16>(left >= 16 ? 0xFFFF : (1u << left) - 1)}; }
  static Acc load(const T* p, Part l) { return {_mm512_maskz_loadu_ps(l.m, p)}; }
  static void store(T* p, Acc a, Part l) { _mm512_mask_storeu_ps(p, l.m, a.v); }
#else
  struct Part {
    __m256i m;
  };
  static Part part(int64_t left) {
    return {_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(left, 8))),
                               _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))};
  }
  static Acc load(const T* p, Part l) { return {_mm256_maskload_ps(p, l.m)}; }
  static void store(T* p, Acc a, Part l) { _mm256_maskstore_ps(p, l.m, a.v); }
#endif
  static Acc load(const T* p, Full) { return V::load(p); }
  static Acc max(Acc acc, Acc tap) { return vmax(acc, tap); }
  static void store(T* p, Acc a, Full) { a.store(p); }
};

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_POOL_NHWC(isa)                                                                  \
  namespace kiln {                                                                                  \
  void f32_pool_pixel_nhwc__##isa(bool max, const float* const* taps, size_t count, size_t c,      \
                                  float scale, float* y) {                                          \
    const float lowest = -std::numeric_limits<float>::infinity();                                   \
    for (size_t j = 0; j < c; j += W) {                                                             \
      const size_t cols = std::min<size_t>(W, c - j);                                               \
      V acc = max ? V::set1(lowest) : V::zero();                                                    \
      for (size_t t = 0; t < count; ++t) {                                                          \
        const V v = cols == W ? V::load(taps[t] + j) : load_tail(taps[t] + j, cols, 0.0f);          \
        acc = max ? vmax(acc, v) : acc + v;                                                         \
      }                                                                                             \
      if (!max) acc = acc * V::set1(scale);                                                         \
      if (cols == W) acc.store(y + j);                                                              \
      else store_tail(acc, y + j, cols);                                                            \
    }                                                                                               \
  }                                                                                                 \
  void f32_maxpool_rows_nhwc__##isa(const lowp_pool::PoolShape& s, const float* x, float* y,       \
                                    int64_t begin, int64_t end) {                                   \
    lowp_pool::maxpool_rows<F32Ops>(s, x, y, begin, end);                                           \
  }                                                                                                 \
  }
