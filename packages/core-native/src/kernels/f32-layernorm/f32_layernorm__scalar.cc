// Scalar reference for f32-layernorm (two-pass mean/variance in double for a stable oracle).
#include <cmath>

#include "kernels/f32-layernorm/variants.h"

namespace kiln {

void f32_layernorm__scalar(size_t rows, size_t n, const float* x, const float* scale, const float* bias,
                           float epsilon, float* y) {
  for (size_t r = 0; r < rows; ++r, x += n, y += n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(n);
    double sq = 0.0;
    for (size_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
    const float inv = static_cast<float>(1.0 / std::sqrt(sq / static_cast<double>(n) + epsilon));
    const float m = static_cast<float>(mean);
    for (size_t i = 0; i < n; ++i) y[i] = (x[i] - m) * inv * scale[i] + (bias ? bias[i] : 0.0f);
  }
}

}  // namespace kiln
