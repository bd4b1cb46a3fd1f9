// Vector body of the NHWC pooling pixel kernel, compiled once per ISA TU (see kernels/simd/vec.h).
#pragma once

#include <algorithm>
#include <limits>

#include "kernels/f32-pool/pool_nhwc.h"
#include "kernels/simd/vec.h"

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
  }
