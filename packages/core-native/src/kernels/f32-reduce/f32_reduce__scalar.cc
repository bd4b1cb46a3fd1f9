// Scalar reference for f32-reduce (sums accumulate in double for a stable oracle).
#include <cmath>
#include <limits>

#include "kernels/f32-reduce/variants.h"

namespace kiln {

void f32_reduce_rows__scalar(ReduceOp op, size_t rows, size_t n, const float* x, float* y) {
  for (size_t i = 0; i < rows; ++i, x += n) {
    if (op == ReduceOp::kMax) {
      float m = -std::numeric_limits<float>::infinity();
      for (size_t k = 0; k < n; ++k) m = std::fmax(m, x[k]);
      y[i] = m;
    } else {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += x[k];
      y[i] = static_cast<float>(op == ReduceOp::kMean ? s / static_cast<double>(n) : s);
    }
  }
}

void f32_reduce_cols__scalar(ReduceOp op, size_t r, size_t inner, const float* x, float* y) {
  for (size_t j = 0; j < inner; ++j) {
    if (op == ReduceOp::kMax) {
      float m = -std::numeric_limits<float>::infinity();
      for (size_t k = 0; k < r; ++k) m = std::fmax(m, x[k * inner + j]);
      y[j] = m;
    } else {
      double s = 0.0;
      for (size_t k = 0; k < r; ++k) s += x[k * inner + j];
      y[j] = static_cast<float>(op == ReduceOp::kMean ? s / static_cast<double>(r) : s);
    }
  }
}

}  // namespace kiln
