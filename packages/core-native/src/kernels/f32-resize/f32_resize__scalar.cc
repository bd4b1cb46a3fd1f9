// Scalar reference for the f32-resize row kernels.
#include "kernels/f32-resize/variants.h"

namespace kiln {

void f32_resize_nearest_row__scalar(size_t n, const float* row, const int32_t* x0, float* y) {
  for (size_t j = 0; j < n; ++j) y[j] = row[x0[j]];
}

void f32_resize_linear_row__scalar(size_t n, const float* top, const float* bottom, float wy, const int32_t* x0,
                                   const int32_t* x1, const float* wx, float* y) {
  for (size_t j = 0; j < n; ++j) {
    const float t = top[x0[j]] * (1.0f - wx[j]) + top[x1[j]] * wx[j];
    const float b = bottom[x0[j]] * (1.0f - wx[j]) + bottom[x1[j]] * wx[j];
    y[j] = t * (1.0f - wy) + b * wy;
  }
}

}  // namespace kiln
