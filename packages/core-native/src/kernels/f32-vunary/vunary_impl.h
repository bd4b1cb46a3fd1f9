// Vector f32-vunary body, compiled once per ISA TU (see kernels/simd/vec.h).
#pragma once

#include "kernels/f32-vunary/variants.h"
#include "kernels/simd/vmath.h"
#include "kernels/simd/vtrig.h"

namespace kiln {
namespace {

template <UnaryOp OP>
inline V unary_v(V x, V a, V b) {
  const V zero = V::zero(), one = V::set1(1.0f), half = V::set1(0.5f);
  if constexpr (OP == UnaryOp::kRelu) return vmax(x, zero);
  if constexpr (OP == UnaryOp::kClip) return vmin(vmax(x, a), b);
  if constexpr (OP == UnaryOp::kLeakyRelu) return select(lt(x, zero), x * a, x);
  if constexpr (OP == UnaryOp::kSigmoid) return vsigmoid(x);
  if constexpr (OP == UnaryOp::kTanh) return vtanh(x);
  if constexpr (OP == UnaryOp::kSilu) return x * vsigmoid(x);
  if constexpr (OP == UnaryOp::kHardSwish) return x * vmax(zero, vmin(one, fmadd(a, x, b)));
  if constexpr (OP == UnaryOp::kHardSigmoid) return vmax(zero, vmin(one, fmadd(a, x, b)));
  if constexpr (OP == UnaryOp::kGelu) return half * x * (one + verf(x * V::set1(0.70710678118654752f)));
  if constexpr (OP == UnaryOp::kGeluTanh) {
    const V inner = V::set1(0.79788456080286536f) * fmadd(V::set1(0.044715f) * x, x * x, x);
    return half * x * (one + vtanh(inner));
  }
  if constexpr (OP == UnaryOp::kExp) return vexp(x);
  if constexpr (OP == UnaryOp::kLog) return vlog(x);
  if constexpr (OP == UnaryOp::kSqrt) return vsqrt(x);
  if constexpr (OP == UnaryOp::kErf) return verf(x);
  if constexpr (OP == UnaryOp::kNeg) return zero - x;
  if constexpr (OP == UnaryOp::kAbs) return vabs(x);
  if constexpr (OP == UnaryOp::kReciprocal) return one / x;
  if constexpr (OP == UnaryOp::kFloor) return vfloor(x);
  if constexpr (OP == UnaryOp::kCeil) return vceil(x);
  if constexpr (OP == UnaryOp::kRound) return vround(x);
  if constexpr (OP == UnaryOp::kSign) return select(gt(x, zero), one, select(lt(x, zero), zero - one, x * zero));
  if constexpr (OP == UnaryOp::kSin) return vsin(x);
  if constexpr (OP == UnaryOp::kCos) return vcos(x);
  if constexpr (OP == UnaryOp::kSoftplus) return vmax(x, zero) + vlog(one + vexp(zero - vabs(x)));
  if constexpr (OP == UnaryOp::kSoftsign) return x / (one + vabs(x));
  if constexpr (OP == UnaryOp::kElu) return select(lt(x, zero), a * (vexp(x) - one), x);
  if constexpr (OP == UnaryOp::kSelu) return b * select(gt(x, zero), x, a * (vexp(x) - one));
  if constexpr (OP == UnaryOp::kMish) return x * vtanh(vmax(x, zero) + vlog(one + vexp(zero - vabs(x))));
  if constexpr (OP == UnaryOp::kThresholdedRelu) return select(gt(x, a), x, zero);
}

template <UnaryOp OP>
void unary_loop(size_t n, const float* x, float* y, float alpha, float beta) {
  const V a = V::set1(alpha), b = V::set1(beta);
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    const V v0 = unary_v<OP>(V::load(x + i), a, b);
    const V v1 = unary_v<OP>(V::load(x + i + W), a, b);
    v0.store(y + i);
    v1.store(y + i + W);
  }
  for (; i + W <= n; i += W) unary_v<OP>(V::load(x + i), a, b).store(y + i);
  if (i < n) store_tail(unary_v<OP>(load_tail(x + i, n - i, 1.0f), a, b), y + i, n - i);
}

inline void vunary_impl(const UnaryStep& step, size_t n, const float* x, float* y) {
  switch (step.op) {
#define KILN_X(id, name) \
  case UnaryOp::id:      \
    return unary_loop<UnaryOp::id>(n, x, y, step.alpha, step.beta);
    KILN_UNARY_OPS(KILN_X)
#undef KILN_X
  }
}

}  // namespace
}  // namespace kiln
