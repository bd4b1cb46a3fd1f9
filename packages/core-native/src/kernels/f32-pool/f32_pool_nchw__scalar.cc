// Scalar reference for NCHW pooling (pool_nchw.h): every pixel on its own, global
// pooling as one running max / float sum.
#include <limits>

#include "kernels/f32-pool/pool_nchw.h"

namespace kiln {
namespace {

// One output pixel: taps in ky, kx order, clipped to the input; the mean accumulates in float and
// divides by the clipped (or, with count_include_pad, the padded) tap count.
float pool_pixel_nchw(const PoolGeometry& g, const float* in, int64_t oy, int64_t ox) {
  float acc = g.max ? -std::numeric_limits<float>::infinity() : 0.0f;
  int64_t count = 0, padded = 0;
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
      if (iy >= -g.pt && iy < g.h + g.pb && ix >= -g.pl && ix < g.w + g.pr) ++padded;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      const float v = in[iy * g.w + ix];
      acc = g.max ? std::max(acc, v) : acc + v;
      ++count;
    }
  }
  if (!g.max) acc = acc / static_cast<float>(std::max<int64_t>(1, g.include_pad ? padded : count));
  return acc;
}

}  // namespace

void f32_pool_plane_nchw__scalar(const PoolGeometry& g, const float* in, float* out, const float* /*column_taps*/) {
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
