// Scalar reference for NCHW pooling (pool_nchw.h): every pixel through pool_pixel_nchw, global
// pooling as one running max / float sum.
#include "kernels/f32-pool/pool_nchw.h"

namespace kiln {

void f32_pool_plane_nchw__scalar(const PoolGeometry& g, const float* in, float* out) {
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    for (int64_t ox = 0; ox < g.ow; ++ox) out[oy * g.ow + ox] = pool_pixel_nchw(g, in, oy, ox);
  }
}

float f32_pool_global__scalar(bool max, const float* x, int64_t n) {
  float acc = max ? -std::numeric_limits<float>::infinity() : 0.0f;
  for (int64_t i = 0; i < n; ++i) acc = max ? std::max(acc, x[i]) : acc + x[i];
  return max ? acc : acc / static_cast<float>(std::max<int64_t>(1, n));
}

}  // namespace kiln
