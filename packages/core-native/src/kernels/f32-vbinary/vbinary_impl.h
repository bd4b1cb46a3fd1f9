// Vector f32-vbinary body, compiled once per ISA TU (see kernels/simd/vec.h).
// Pow has no vector formula here with libm's exact edge semantics (negative bases with integral
// exponents, 0^0, inf); it calls std::pow per lane in every variant.
#pragma once

#include <cmath>

#include "kernels/f32-vbinary/variants.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

template <BinaryOp OP>
inline V binary_v(V a, V b) {
  if constexpr (OP == BinaryOp::kAdd) return a + b;
  if constexpr (OP == BinaryOp::kSub) return a - b;
  if constexpr (OP == BinaryOp::kMul) return a * b;
  if constexpr (OP == BinaryOp::kDiv) return a / b;
  if constexpr (OP == BinaryOp::kMax) return vmax(a, b);
  if constexpr (OP == BinaryOp::kMin) return vmin(a, b);
  if constexpr (OP == BinaryOp::kPow) {
    alignas(64) float x[W], e[W];
    a.store(x);
    b.store(e);
    for (int i = 0; i < W; ++i) x[i] = std::pow(x[i], e[i]);
    return V::load(x);
  }
}

// A and B are pointer-or-scalar operand loaders.
struct Vec {
  const float* p;
  V load(size_t i) const { return V::load(p + i); }
  V tail(size_t i, size_t n) const { return load_tail(p + i, n, 1.0f); }
};
struct Scalar {
  V v;
  V load(size_t) const { return v; }
  V tail(size_t, size_t) const { return v; }
};

template <BinaryOp OP, class A, class B>
void binary_loop(size_t n, A a, B b, float* y) {
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const V v0 = binary_v<OP>(a.load(i), b.load(i));
    const V v1 = binary_v<OP>(a.load(i + W), b.load(i + W));
    v0.store(y + i);
    v1.store(y + i + W);
  }
  for (; i + W <= n; i += W) binary_v<OP>(a.load(i), b.load(i)).store(y + i);
  if (i < n) store_tail(binary_v<OP>(a.tail(i, n - i), b.tail(i, n - i)), y + i, n - i);
}

template <class A, class B>
void binary_dispatch(BinaryOp op, size_t n, A a, B b, float* y) {
  switch (op) {
#define KILN_X(id, name) \
  case BinaryOp::id:     \
    return binary_loop<BinaryOp::id>(n, a, b, y);
    KILN_BINARY_OPS(KILN_X)
#undef KILN_X
  }
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_VBINARY(isa)                                                                  \
  namespace kiln {                                                                                \
  void f32_vbinary_vv__##isa(BinaryOp op, size_t n, const float* a, const float* b, float* y) {   \
    binary_dispatch(op, n, Vec{a}, Vec{b}, y);                                                    \
  }                                                                                               \
  void f32_vbinary_vs__##isa(BinaryOp op, size_t n, const float* a, float b, float* y) {          \
    binary_dispatch(op, n, Vec{a}, Scalar{V::set1(b)}, y);                                        \
  }                                                                                               \
  void f32_vbinary_sv__##isa(BinaryOp op, size_t n, float a, const float* b, float* y) {          \
    binary_dispatch(op, n, Scalar{V::set1(a)}, Vec{b}, y);                                        \
  }                                                                                               \
  }
