// Scalar reference for the f32-resize row kernels.
#include <cmath>
#include <cstring>

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

void f32_resize_nearest_nhwc__scalar(size_t c, size_t n, const float* row, const int32_t* x0, float* y) {
  for (size_t j = 0; j < n; ++j) std::memcpy(y + j * c, row + x0[j] * c, sizeof(float) * c);
}

void f32_resize_linear_nhwc__scalar(size_t c, size_t n, const float* top, const float* bottom, float wy,
                                    const int32_t* x0, const int32_t* x1, const float* wx, float* y) {
  for (size_t j = 0; j < n; ++j) {
    const float w = wx[j];
    const float *t0 = top + x0[j] * c, *t1 = top + x1[j] * c, *b0 = bottom + x0[j] * c, *b1 = bottom + x1[j] * c;
    float* o = y + j * c;
    for (size_t k = 0; k < c; ++k) {
      const float t = std::fma(t1[k], w, t0[k] * (1.0f - w)), b = std::fma(b1[k], w, b0[k] * (1.0f - w));
      o[k] = std::fma(b, wy, t * (1.0f - wy));
    }
  }
}

}  // namespace kiln
