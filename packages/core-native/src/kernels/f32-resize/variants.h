// f32-resize: the row kernels of 2-D Resize over the last two dims (NCHW planes). The driver
// maps output coordinates to input ones once per layer (resize_coords.h); kernels produce one
// output row from one or two input rows:
//   nearest: y[j] = row[x0[j]]
//   linear:  y[j] = lerp(lerp(top[x0[j]], top[x1[j]], wx[j]), lerp(bottom[x0[j]], bottom[x1[j]], wx[j]), wy)
// with lerp(a, b, w) = a (1 - w) + b w, the weighted sum of the two taps as ONNX defines it. Vector variants gather (AVX2 / AVX-512 gathers).
// The NHWC forms (the builder's layout sinking) do the same per pixel of c values: pixel j of the
// output row takes pixels x0[j] (and x1[j]) of the source rows, vectorized over the channels, with
// lerp as b w + a (1 - w) (fused), as the driver's scalar NHWC loop did.
// Enumerator list: best first, scalar reference last. Tactic ids: f32_resize__<isa>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {

using ResizeNearestRowFn = void (*)(size_t n, const float* row, const int32_t* x0, float* y);
using ResizeLinearRowFn = void (*)(size_t n, const float* top, const float* bottom, float wy, const int32_t* x0,
                                   const int32_t* x1, const float* wx, float* y);

using ResizeNearestPixelsFn = void (*)(size_t c, size_t n, const float* row, const int32_t* x0, float* y);
using ResizeLinearPixelsFn = void (*)(size_t c, size_t n, const float* top, const float* bottom, float wy,
                                      const int32_t* x0, const int32_t* x1, const float* wx, float* y);

struct F32ResizeVariant {
  Isa isa;
  ResizeNearestRowFn nearest;
  ResizeLinearRowFn linear;
  ResizeNearestPixelsFn nearest_nhwc;
  ResizeLinearPixelsFn linear_nhwc;
};

#define KILN_DECLARE_RESIZE(isa)                                                                                  \
  void f32_resize_nearest_row__##isa(size_t n, const float* row, const int32_t* x0, float* y);                   \
  void f32_resize_linear_row__##isa(size_t n, const float* top, const float* bottom, float wy, const int32_t* x0, \
                                    const int32_t* x1, const float* wx, float* y);                                \
  void f32_resize_nearest_nhwc__##isa(size_t c, size_t n, const float* row, const int32_t* x0, float* y);         \
  void f32_resize_linear_nhwc__##isa(size_t c, size_t n, const float* top, const float* bottom, float wy,         \
                                     const int32_t* x0, const int32_t* x1, const float* wx, float* y);
KILN_DECLARE_RESIZE(scalar)
#if defined(KILN_X86)
KILN_DECLARE_RESIZE(avx2)
KILN_DECLARE_RESIZE(avx512)
#endif
#undef KILN_DECLARE_RESIZE

inline constexpr F32ResizeVariant kF32ResizeVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_resize_nearest_row__avx512, f32_resize_linear_row__avx512, f32_resize_nearest_nhwc__avx512,
     f32_resize_linear_nhwc__avx512},
    {Isa::kAvx2, f32_resize_nearest_row__avx2, f32_resize_linear_row__avx2, f32_resize_nearest_nhwc__avx2,
     f32_resize_linear_nhwc__avx2},
#endif
    {Isa::kScalar, f32_resize_nearest_row__scalar, f32_resize_linear_row__scalar, f32_resize_nearest_nhwc__scalar,
     f32_resize_linear_nhwc__scalar},
};

}  // namespace kiln
