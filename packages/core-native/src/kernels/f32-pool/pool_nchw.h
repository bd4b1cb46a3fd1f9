// f32 pooling over NCHW planes. One plane (H x W) at a time: the vector variants run every output
// row W pixels at a time, loading each tap with the pooling stride (contiguous for stride 1,
// deinterleaved for 2, gathered above); near the left and right borders the lanes whose tap falls
// in the padding are masked off and read as the identity (-inf for max, 0 for mean). The mean's
// divisor per column comes from a table of in-input / in-padding tap counts (pool_column_taps).
// Global pooling is a vector reduction over the plane.
// Enumerator list: best first, scalar reference last.
// Tactic ids: f32_{max,avg}pool2d__<isa>, f32_global{max,avg}pool__<isa>.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "platform/cpu.h"

namespace kiln {

struct PoolGeometry {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
  bool max, include_pad;
};

// Per output column: taps inside [0, w) (first ow floats), then inside the padded row [-pl, w + pr)
// (next ow floats), as floats for the vector mean's divisor.
inline std::vector<float> pool_column_taps(const PoolGeometry& g) {
  std::vector<float> taps(static_cast<size_t>(2 * g.ow));
  for (int64_t ox = 0; ox < g.ow; ++ox) {
    int64_t inside = 0, padded = 0;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
      inside += ix >= 0 && ix < g.w;
      padded += ix >= -g.pl && ix < g.w + g.pr;
    }
    taps[ox] = static_cast<float>(inside);
    taps[g.ow + ox] = static_cast<float>(padded);
  }
  return taps;
}

// Pools one plane: in [h * w] -> out [oh * ow]; column_taps from pool_column_taps (the scalar
// reference counts its own).
using F32PoolPlaneFn = void (*)(const PoolGeometry& g, const float* in, float* out, const float* column_taps);
// Max or mean of x[0..n) (mean: float sum divided by n).
using F32PoolGlobalFn = float (*)(bool max, const float* x, int64_t n);

struct F32PoolNchwVariant {
  Isa isa;
  F32PoolPlaneFn plane;
  F32PoolGlobalFn global;
};

#define KILN_DECLARE_POOL_NCHW(isa)                                                 \
  void f32_pool_plane_nchw__##isa(const PoolGeometry& g, const float* in, float* out, const float* column_taps); \
  float f32_pool_global__##isa(bool max, const float* x, int64_t n);
KILN_DECLARE_POOL_NCHW(scalar)
#if defined(KILN_X86)
KILN_DECLARE_POOL_NCHW(avx2)
KILN_DECLARE_POOL_NCHW(avx512)
#endif
#undef KILN_DECLARE_POOL_NCHW

inline constexpr F32PoolNchwVariant kF32PoolNchwVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_pool_plane_nchw__avx512, f32_pool_global__avx512},
    {Isa::kAvx2, f32_pool_plane_nchw__avx2, f32_pool_global__avx2},
#endif
    {Isa::kScalar, f32_pool_plane_nchw__scalar, f32_pool_global__scalar},
};

}  // namespace kiln
