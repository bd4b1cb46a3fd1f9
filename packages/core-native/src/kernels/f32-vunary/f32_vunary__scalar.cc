// Scalar reference for f32-vunary: plain libm, the oracle the vector variants are tested against.
#include <algorithm>
#include <cmath>

#include "kernels/f32-vunary/variants.h"

namespace kiln {
namespace {

template <class F>
void apply(size_t n, const float* x, float* y, F f) {
  for (size_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

// log(1 + exp(v)) without overflow for large v.
float softplus(float v) { return std::max(v, 0.0f) + std::log1p(std::exp(-std::fabs(v))); }

}  // namespace

void f32_vunary__scalar(const UnaryStep& step, size_t n, const float* x, float* y) {
  const float a = step.alpha, b = step.beta;
  switch (step.op) {
    case UnaryOp::kRelu: return apply(n, x, y, [](float v) { return v > 0.0f ? v : 0.0f; });
    case UnaryOp::kClip: return apply(n, x, y, [=](float v) { return std::min(std::max(v, a), b); });
    case UnaryOp::kLeakyRelu: return apply(n, x, y, [=](float v) { return v >= 0.0f ? v : a * v; });
    case UnaryOp::kSigmoid: return apply(n, x, y, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    case UnaryOp::kTanh: return apply(n, x, y, [](float v) { return std::tanh(v); });
    case UnaryOp::kSilu: return apply(n, x, y, [](float v) { return v / (1.0f + std::exp(-v)); });
    case UnaryOp::kHardSwish:
      return apply(n, x, y, [=](float v) { return v * std::max(0.0f, std::min(1.0f, a * v + b)); });
    case UnaryOp::kHardSigmoid:
      return apply(n, x, y, [=](float v) { return std::max(0.0f, std::min(1.0f, a * v + b)); });
    case UnaryOp::kGelu:
      return apply(n, x, y, [](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); });
    case UnaryOp::kGeluTanh:
      return apply(n, x, y, [](float v) {
        return 0.5f * v * (1.0f + std::tanh(0.79788456080286536f * (v + 0.044715f * v * v * v)));
      });
    case UnaryOp::kExp: return apply(n, x, y, [](float v) { return std::exp(v); });
    case UnaryOp::kLog: return apply(n, x, y, [](float v) { return std::log(v); });
    case UnaryOp::kSqrt: return apply(n, x, y, [](float v) { return std::sqrt(v); });
    case UnaryOp::kErf: return apply(n, x, y, [](float v) { return std::erf(v); });
    case UnaryOp::kNeg: return apply(n, x, y, [](float v) { return -v; });
    case UnaryOp::kAbs: return apply(n, x, y, [](float v) { return std::fabs(v); });
    case UnaryOp::kReciprocal: return apply(n, x, y, [](float v) { return 1.0f / v; });
    case UnaryOp::kFloor: return apply(n, x, y, [](float v) { return std::floor(v); });
    case UnaryOp::kCeil: return apply(n, x, y, [](float v) { return std::ceil(v); });
    case UnaryOp::kRound: return apply(n, x, y, [](float v) { return std::nearbyint(v); });
    case UnaryOp::kSign:
      return apply(n, x, y, [](float v) { return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : v * 0.0f; });
    case UnaryOp::kSin: return apply(n, x, y, [](float v) { return std::sin(v); });
    case UnaryOp::kCos: return apply(n, x, y, [](float v) { return std::cos(v); });
    case UnaryOp::kSoftplus: return apply(n, x, y, softplus);
    case UnaryOp::kSoftsign: return apply(n, x, y, [](float v) { return v / (1.0f + std::fabs(v)); });
    case UnaryOp::kElu: return apply(n, x, y, [=](float v) { return v < 0.0f ? a * std::expm1(v) : v; });
    case UnaryOp::kSelu: return apply(n, x, y, [=](float v) { return b * (v > 0.0f ? v : a * std::expm1(v)); });
    case UnaryOp::kMish: return apply(n, x, y, [](float v) { return v * std::tanh(softplus(v)); });
    case UnaryOp::kThresholdedRelu: return apply(n, x, y, [=](float v) { return v > a ? v : 0.0f; });
  }
}

}  // namespace kiln
