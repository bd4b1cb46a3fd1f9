// Scalar reference for x-compare: plain loops and std::isnan / std::isinf.
#include <cmath>

#include "kernels/x-compare/compare_loops.h"

KILN_DEFINE_COMPARE_LOOPS(scalar)

namespace kiln {

void x_compare_f32__scalar(CompareOp op, size_t n, const float* a, bool a_vec, const float* b, bool b_vec,
                           uint8_t* y) {
  compare_loops(op, n, a, a_vec, b, b_vec, y);
}

void f32_classify__scalar(ClassifyOp op, size_t n, const float* x, uint8_t* y) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    switch (op) {
      case ClassifyOp::kNan: y[i] = std::isnan(v); break;
      case ClassifyOp::kInf: y[i] = std::isinf(v); break;
      case ClassifyOp::kPosInf: y[i] = std::isinf(v) && v > 0; break;
      case ClassifyOp::kNegInf: y[i] = std::isinf(v) && v < 0; break;
    }
  }
}

}  // namespace kiln
