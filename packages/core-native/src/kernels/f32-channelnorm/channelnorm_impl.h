// Vector f32-channelnorm body, compiled once per ISA TU (see kernels/simd/vec.h). Moments use
// four independent accumulators per pass to hide FMA latency.
#pragma once

#include "kernels/f32-channelnorm/variants.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

inline void scale_shift_impl(size_t n, const float* x, float m, float a, float b, float* y) {
  const V vm = V::set1(m), va = V::set1(a), vb = V::set1(b);
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const V v0 = fmadd(V::load(x + i) - vm, va, vb), v1 = fmadd(V::load(x + i + W) - vm, va, vb);
    v0.store(y + i);
    v1.store(y + i + W);
  }
  for (; i + W <= n; i += W) fmadd(V::load(x + i) - vm, va, vb).store(y + i);
  if (i < n) store_tail(fmadd(load_tail(x + i, n - i, 0.0f) - vm, va, vb), y + i, n - i);
}

// Sum of f(x[i]) over the run, f(v) = v (CENTER false) or (v - c)^2 (CENTER true).
template <bool CENTER>
inline float reduce_impl(size_t n, const float* x, float c) {
  const V vc = V::set1(c);
  V s0 = V::zero(), s1 = V::zero(), s2 = V::zero(), s3 = V::zero();
  auto term = [&](V v, V s) {
    if constexpr (CENTER) {
      const V d = v - vc;
      return fmadd(d, d, s);
    } else {
      return s + v;
    }
  };
  size_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    s0 = term(V::load(x + i), s0);
    s1 = term(V::load(x + i + W), s1);
    s2 = term(V::load(x + i + 2 * W), s2);
    s3 = term(V::load(x + i + 3 * W), s3);
  }
  for (; i + W <= n; i += W) s0 = term(V::load(x + i), s0);
  if (i < n) {
    // Padding lanes hold c, which adds 0 when centered; uncentered padding is 0.
    s1 = term(load_tail(x + i, n - i, CENTER ? c : 0.0f), s1);
  }
  return hsum((s0 + s1) + (s2 + s3));
}

inline void moments_impl(size_t n, const float* x, float* mean, float* variance) {
  const float m = reduce_impl<false>(n, x, 0.0f) / static_cast<float>(n);
  *mean = m;
  *variance = reduce_impl<true>(n, x, m) / static_cast<float>(n);
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_CHANNELNORM(isa)                                                                      \
  namespace kiln {                                                                                        \
  void f32_scale_shift__##isa(size_t n, const float* x, float m, float a, float b, float* y) {            \
    scale_shift_impl(n, x, m, a, b, y);                                                                   \
  }                                                                                                       \
  void f32_moments__##isa(size_t n, const float* x, float* mean, float* variance) {                       \
    moments_impl(n, x, mean, variance);                                                                   \
  }                                                                                                       \
  }
