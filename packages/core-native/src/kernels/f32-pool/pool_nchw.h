// f32 pooling over NCHW planes. One plane (H x W) at a time: the vector variants run the output
// row's interior (every tap inside the input row) W output pixels at a time, loading each tap
// with the pooling stride (contiguous for stride 1, deinterleaved for 2, gathered above), and the
// borders one pixel at a time; global pooling is a vector reduction over the plane.
// Enumerator list: best first, scalar reference last.
// Tactic ids: f32_{max,avg}pool2d__<isa>, f32_global{max,avg}pool__<isa>.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "platform/cpu.h"

namespace kiln {

struct PoolGeometry {
  int64_t n, c, h, w, oh, ow, kh, kw, sh, sw, pt, pl, pb, pr, dh, dw;
  bool max, include_pad;
};

// One output pixel of one plane, exactly as the reference computes it (taps in ky, kx order; the
// mean accumulates in float and divides by the clipped or padded tap count).
inline float pool_pixel_nchw(const PoolGeometry& g, const float* in, int64_t oy, int64_t ox) {
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

// Output columns [*begin, *end) whose taps all lie inside [0, w) (possibly empty).
inline void pool_interior(const PoolGeometry& g, int64_t* begin, int64_t* end) {
  const int64_t first = (g.pl + g.sw - 1) / g.sw;             // ox * sw - pl >= 0
  const int64_t reach = g.w - 1 + g.pl - (g.kw - 1) * g.dw;   // ox * sw <= reach
  const int64_t last = reach < 0 ? -1 : reach / g.sw;
  *begin = std::min(first, g.ow);
  *end = std::max(*begin, std::min(last + 1, g.ow));
}

// Pools one plane: in [h * w] -> out [oh * ow].
using F32PoolPlaneFn = void (*)(const PoolGeometry& g, const float* in, float* out);
// Max or mean of x[0..n) (mean: float sum divided by n).
using F32PoolGlobalFn = float (*)(bool max, const float* x, int64_t n);

struct F32PoolNchwVariant {
  Isa isa;
  F32PoolPlaneFn plane;
  F32PoolGlobalFn global;
};

#define KILN_DECLARE_POOL_NCHW(isa)                                                 \
  void f32_pool_plane_nchw__##isa(const PoolGeometry& g, const float* in, float* out); \
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
