// Scalar reference for f32-channelnorm (sums in double).
#include "kernels/f32-channelnorm/variants.h"

namespace kiln {

void f32_scale_shift__scalar(size_t n, const float* x, float m, float a, float b, float* y) {
  for (size_t i = 0; i < n; ++i) y[i] = (x[i] - m) * a + b;
}

void f32_moments__scalar(size_t n, const float* x, float* mean, float* variance) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += x[i];
  const double m = sum / static_cast<double>(n);
  double squares = 0.0;
  for (size_t i = 0; i < n; ++i) squares += (x[i] - m) * (x[i] - m);
  *mean = static_cast<float>(m);
  *variance = static_cast<float>(squares / static_cast<double>(n));
}

}  // namespace kiln
