// Scalar reference for f32-vbinary.
#include <algorithm>
#include <cmath>

#include "kernels/f32-vbinary/variants.h"

namespace kiln {
namespace {

inline float apply(BinaryOp op, float a, float b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMax: return std::max(a, b);
    case BinaryOp::kMin: return std::min(a, b);
    case BinaryOp::kPow: return std::pow(a, b);
  }
  return 0.0f;
}

}  // namespace

void f32_vbinary_vv__scalar(BinaryOp op, size_t n, const float* a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = apply(op, a[i], b[i]);
}
void f32_vbinary_vs__scalar(BinaryOp op, size_t n, const float* a, float b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = apply(op, a[i], b);
}
void f32_vbinary_sv__scalar(BinaryOp op, size_t n, float a, const float* b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = apply(op, a, b[i]);
}

}  // namespace kiln
