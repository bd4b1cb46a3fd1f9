// f32-channelnorm: the per-plane building blocks of BatchNormalization (inference) and
// InstanceNormalization over [N, C, spatial...] tensors, where each (n, c) plane is contiguous.
//   scale_shift: y[i] = (x[i] - m) * a + b   (centered first: exact where a is huge, as for a
//                plane of constant values; in-place allowed)
//   moments:     mean and (population) variance of x[0..n), two passes for accuracy
// Enumerator list: best first, scalar reference last. Tactic ids: f32_batchnorm__<isa>,
// f32_instancenorm__<isa>.
#pragma once

#include <cstddef>

#include "platform/cpu.h"

namespace kiln {

using ScaleShiftFn = void (*)(size_t n, const float* x, float m, float a, float b, float* y);
using MomentsFn = void (*)(size_t n, const float* x, float* mean, float* variance);

struct F32ChannelNormVariant {
  Isa isa;
  ScaleShiftFn scale_shift;
  MomentsFn moments;
};

#define KILN_DECLARE_CHANNELNORM(isa)                                                 \
  void f32_scale_shift__##isa(size_t n, const float* x, float m, float a, float b, float* y); \
  void f32_moments__##isa(size_t n, const float* x, float* mean, float* variance);
KILN_DECLARE_CHANNELNORM(scalar)
#if defined(KILN_X86)
KILN_DECLARE_CHANNELNORM(avx2)
KILN_DECLARE_CHANNELNORM(avx512)
#endif
#undef KILN_DECLARE_CHANNELNORM

inline constexpr F32ChannelNormVariant kF32ChannelNormVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_scale_shift__avx512, f32_moments__avx512},
    {Isa::kAvx2, f32_scale_shift__avx2, f32_moments__avx2},
#endif
    {Isa::kScalar, f32_scale_shift__scalar, f32_moments__scalar},
};

}  // namespace kiln
