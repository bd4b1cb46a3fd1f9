// Vector f32-reduce body, compiled once per ISA TU (see kernels/simd/vec.h).
#pragma once

#include <algorithm>
#include <limits>

#include "kernels/f32-reduce/variants.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

constexpr float kLowest = -std::numeric_limits<float>::infinity();

inline float reduce_row(ReduceOp op, size_t n, const float* x) {
  const bool max = op == ReduceOp::kMax;
  V a0 = max ? V::set1(kLowest) : V::zero(), a1 = a0;
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    a0 = max ? vmax(a0, V::load(x + i)) : a0 + V::load(x + i);
    a1 = max ? vmax(a1, V::load(x + i + W)) : a1 + V::load(x + i + W);
  }
  for (; i + W <= n; i += W) a0 = max ? vmax(a0, V::load(x + i)) : a0 + V::load(x + i);
  if (i < n) {
    const V t = load_tail(x + i, n - i, max ? kLowest : 0.0f);
    a0 = max ? vmax(a0, t) : a0 + t;
  }
  if (max) return hmax(vmax(a0, a1));
  const float s = hsum(a0 + a1);
  return op == ReduceOp::kMean ? s / static_cast<float>(n) : s;
}

inline void reduce_cols_impl(ReduceOp op, size_t r, size_t inner, const float* x, float* y) {
  const bool max = op == ReduceOp::kMax;
  const V scale = V::set1(op == ReduceOp::kMean ? 1.0f / static_cast<float>(r) : 1.0f);
  for (size_t j = 0; j < inner; j += W) {
    const size_t cols = std::min<size_t>(W, inner - j);
    V acc = max ? V::set1(kLowest) : V::zero();
    for (size_t k = 0; k < r; ++k) {
      const float* p = x + k * inner + j;
      const V v = cols == W ? V::load(p) : load_tail(p, cols, 0.0f);
      acc = max ? vmax(acc, v) : acc + v;
    }
    if (!max) acc = acc * scale;
    if (cols == W) acc.store(y + j);
    else store_tail(acc, y + j, cols);
  }
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_REDUCE(isa)                                                                \
  namespace kiln {                                                                             \
  void f32_reduce_rows__##isa(ReduceOp op, size_t rows, size_t n, const float* x, float* y) {  \
    for (size_t i = 0; i < rows; ++i) y[i] = reduce_row(op, n, x + i * n);                     \
  }                                                                                            \
  void f32_reduce_cols__##isa(ReduceOp op, size_t r, size_t inner, const float* x, float* y) { \
    reduce_cols_impl(op, r, inner, x, y);                                                      \
  }                                                                                            \
  }
