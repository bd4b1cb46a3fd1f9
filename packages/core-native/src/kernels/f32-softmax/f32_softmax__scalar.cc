// Scalar reference for f32-softmax (max-subtracted, as ONNX Softmax-13 / LogSoftmax-13).
#include <cmath>
#include <limits>

#include "kernels/f32-softmax/variants.h"

namespace kiln {

void f32_softmax_strided__scalar(size_t n, size_t inner, const float* x, float* y, bool log) {
  for (size_t j = 0; j < inner; ++j) {
    float max = -std::numeric_limits<float>::infinity();
    for (size_t k = 0; k < n; ++k) max = std::fmax(max, x[k * inner + j]);
    float sum = 0.0f;
    for (size_t k = 0; k < n; ++k) {
      const float e = std::exp(x[k * inner + j] - max);
      if (!log) y[k * inner + j] = e;
      sum += e;
    }
    if (log) {
      const float shift = max + std::log(sum);
      for (size_t k = 0; k < n; ++k) y[k * inner + j] = x[k * inner + j] - shift;
    } else {
      for (size_t k = 0; k < n; ++k) y[k * inner + j] /= sum;
    }
  }
}

void f32_softmax_row__scalar(size_t n, const float* x, const float* bias, size_t bias_stride, float* y, bool log,
                             bool nan_to_zero) {
  if (bias != nullptr) {
    for (size_t k = 0; k < n; ++k) y[k] = x[k] + bias[k * bias_stride];
    x = y;
  }
  f32_softmax_strided__scalar(n, 1, x, y, log);
  // ONNX's Where(IsNaN(y), 0, y), element by element.
  if (nan_to_zero && !log) {
    for (size_t k = 0; k < n; ++k) y[k] = std::isnan(y[k]) ? 0.0f : y[k];
  }
}

void f32_softmax_rows__scalar(size_t rows, size_t n, const float* x, float* y, bool log) {
  for (size_t r = 0; r < rows; ++r) f32_softmax_strided__scalar(n, 1, x + r * n, y + r * n, log);
}

}  // namespace kiln
