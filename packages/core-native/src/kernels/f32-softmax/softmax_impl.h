// Vector f32-softmax body, compiled once per ISA TU (see kernels/simd/vec.h).
#pragma once

#include <cmath>
#include <limits>

#include "kernels/f32-softmax/variants.h"
#include "kernels/simd/vmath.h"

namespace kiln {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

inline void softmax_row(size_t n, const float* x, float* y, bool log) {
  V vmx = V::set1(kNegInf);
  size_t i = 0;
  for (; i + W <= n; i += W) vmx = vmax(vmx, V::load(x + i));
  if (i < n) vmx = vmax(vmx, load_tail(x + i, n - i, kNegInf));
  const float max = hmax(vmx);
  const V vm = V::set1(max);
  V vsum = V::zero();
  for (i = 0; i + W <= n; i += W) {
    const V e = vexp(V::load(x + i) - vm);
    if (!log) e.store(y + i);
    vsum = vsum + e;
  }
  if (i < n) {
    const V e = vexp(load_tail(x + i, n - i, kNegInf) - vm);  // padding lanes: exp(-inf) = 0
    if (!log) store_tail(e, y + i, n - i);
    vsum = vsum + e;
  }
  const float sum = hsum(vsum);
  if (log) {
    const V shift = V::set1(max + std::log(sum));
    for (i = 0; i + W <= n; i += W) (V::load(x + i) - shift).store(y + i);
    if (i < n) store_tail(load_tail(x + i, n - i, 0.0f) - shift, y + i, n - i);
  } else {
    const V scale = V::set1(1.0f / sum);
    for (i = 0; i + W <= n; i += W) (V::load(y + i) * scale).store(y + i);
    if (i < n) store_tail(load_tail(y + i, n - i, 0.0f) * scale, y + i, n - i);
  }
}

// One [n, inner] slice, W columns at a time; `cols` < W only for the last chunk.
inline void softmax_columns(size_t n, size_t inner, size_t cols, const float* x, float* y, bool log) {
  auto load = [&](const float* p) { return cols == W ? V::load(p) : load_tail(p, cols, 0.0f); };
  auto store = [&](V v, float* p) {
    if (cols == W) v.store(p);
    else store_tail(v, p, cols);
  };
  V vm = V::set1(kNegInf);
  for (size_t k = 0; k < n; ++k) vm = vmax(vm, load(x + k * inner));
  V vsum = V::zero();
  for (size_t k = 0; k < n; ++k) {
    const V e = vexp(load(x + k * inner) - vm);
    if (!log) store(e, y + k * inner);
    vsum = vsum + e;
  }
  if (log) {
    alignas(64) float s[W];
    vsum.store(s);
    for (int l = 0; l < W; ++l) s[l] = std::log(s[l]);
    const V shift = vm + V::load(s);
    for (size_t k = 0; k < n; ++k) store(load(x + k * inner) - shift, y + k * inner);
  } else {
    const V scale = V::set1(1.0f) / vsum;
    for (size_t k = 0; k < n; ++k) store(load(y + k * inner) * scale, y + k * inner);
  }
}

inline void softmax_strided_impl(size_t n, size_t inner, const float* x, float* y, bool log) {
  for (size_t j = 0; j < inner; j += W) softmax_columns(n, inner, std::min<size_t>(W, inner - j), x + j, y + j, log);
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_SOFTMAX(isa)                                                                 \
  namespace kiln {                                                                               \
  void f32_softmax_rows__##isa(size_t rows, size_t n, const float* x, float* y, bool log) {     \
    for (size_t r = 0; r < rows; ++r) softmax_row(n, x + r * n, y + r * n, log);                \
  }                                                                                              \
  void f32_softmax_strided__##isa(size_t n, size_t inner, const float* x, float* y, bool log) { \
    softmax_strided_impl(n, inner, x, y, log);                                                   \
  }                                                                                              \
  }
