// Scalar reference for NHWC pooling (means accumulate in double for a stable oracle).
#include <algorithm>
#include <limits>

#include "kernels/f32-pool/pool_nhwc.h"

namespace kiln {

void f32_pool_pixel_nhwc__scalar(bool max, const float* const* taps, size_t count, size_t c,
                                 float scale, float* y) {
  for (size_t j = 0; j < c; ++j) {
    if (max) {
      float m = -std::numeric_limits<float>::infinity();
      for (size_t t = 0; t < count; ++t) m = std::max(m, taps[t][j]);
      y[j] = m;
    } else {
      double s = 0.0;
      for (size_t t = 0; t < count; ++t) s += taps[t][j];
      y[j] = static_cast<float>(s * scale);
    }
  }
}

}  // namespace kiln
