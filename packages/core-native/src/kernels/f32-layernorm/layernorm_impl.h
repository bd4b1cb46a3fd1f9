// Vector f32-layernorm body, compiled once per ISA TU (see kernels/simd/vec.h). Two passes
// (mean, then centered variance) for accuracy on rows with a large mean.
#pragma once

#include <cmath>

#include "kernels/f32-layernorm/variants.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

inline void layernorm_row(size_t n, const float* x, const float* scale, const float* bias, float epsilon, float* y) {
  V acc = V::zero();
  size_t i = 0;
  for (; i + W <= n; i += W) acc = acc + V::load(x + i);
  if (i < n) acc = acc + load_tail(x + i, n - i, 0.0f);
  const float mean = hsum(acc) / static_cast<float>(n);
  const V vm = V::set1(mean);
  V sq = V::zero();
  for (i = 0; i + W <= n; i += W) {
    const V d = V::load(x + i) - vm;
    sq = fmadd(d, d, sq);
  }
  if (i < n) {
    const V d = load_tail(x + i, n - i, mean) - vm;
    sq = fmadd(d, d, sq);
  }
  const V inv = V::set1(1.0f / std::sqrt(hsum(sq) / static_cast<float>(n) + epsilon));
  for (i = 0; i + W <= n; i += W) {
    const V norm = (V::load(x + i) - vm) * inv;
    const V b = bias ? V::load(bias + i) : V::zero();
    fmadd(norm, V::load(scale + i), b).store(y + i);
  }
  if (i < n) {
    const size_t r = n - i;
    const V norm = (load_tail(x + i, r, 0.0f) - vm) * inv;
    const V b = bias ? load_tail(bias + i, r, 0.0f) : V::zero();
    store_tail(fmadd(norm, load_tail(scale + i, r, 0.0f), b), y + i, r);
  }
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_LAYERNORM(isa)                                                                             \
  namespace kiln {                                                                                             \
  void f32_layernorm__##isa(size_t rows, size_t n, const float* x, const float* scale, const float* bias, \
                            float epsilon, float* y) {                                                         \
    for (size_t r = 0; r < rows; ++r) layernorm_row(n, x + r * n, scale, bias, epsilon, y + r * n);            \
  }                                                                                                            \
  }
