// f32 pooling over NHWC: one output pixel = max / mean over its window's input pixels, each a
// contiguous row of C channels, so the channel loop is the vector loop.
// Max pooling in the vector variants runs whole output rows with register-blocked windows
// (lowp-pool/maxpool_rows.h, shared with the bf16 and uint8 families), folding each window's taps
// in the pixel kernel's order; the scalar reference pools pixel by pixel.
// Enumerator list: best first, scalar reference last. Tactic ids: f32_{max,avg}pool2d_nhwc__<isa>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/lowp-pool/maxpool.h"
#include "platform/cpu.h"

namespace kiln {

// y[0..c) = max (or sum * scale) over t of taps[t][0..c); no taps: -inf for max, 0 for mean.
using F32PoolPixelFn = void (*)(bool max, const float* const* taps, size_t count, size_t c,
                                float scale, float* y);

struct F32PoolNhwcVariant {
  Isa isa;
  F32PoolPixelFn pixel;
  lowp_pool::RowsFn<float> max_rows;  // nullptr: max pooling by `pixel` too
};

#define KILN_DECLARE_POOL_NHWC(isa)                                                           \
  void f32_pool_pixel_nhwc__##isa(bool max, const float* const* taps, size_t count, size_t c, \
                                  float scale, float* y);
KILN_DECLARE_POOL_NHWC(scalar)
#if defined(KILN_X86)
KILN_DECLARE_POOL_NHWC(avx2)
KILN_DECLARE_POOL_NHWC(avx512)
void f32_maxpool_rows_nhwc__avx2(const lowp_pool::PoolShape& s, const float* x, float* y, int64_t begin, int64_t end);
void f32_maxpool_rows_nhwc__avx512(const lowp_pool::PoolShape& s, const float* x, float* y, int64_t begin, int64_t end);
#endif
#undef KILN_DECLARE_POOL_NHWC

inline constexpr F32PoolNhwcVariant kF32PoolNhwcVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_pool_pixel_nhwc__avx512, f32_maxpool_rows_nhwc__avx512},
    {Isa::kAvx2, f32_pool_pixel_nhwc__avx2, f32_maxpool_rows_nhwc__avx2},
#endif
    {Isa::kScalar, f32_pool_pixel_nhwc__scalar, nullptr},
};

}  // namespace kiln
