// f32-softmax: softmax / log-softmax along one axis of a [outer, n, inner] view.
//   rows:    inner == 1, `rows` contiguous rows of n
//   strided: one outer slice [n, inner], normalized along n (vectorized across inner)
//   row:     one contiguous row of n with an optional additive bias read at `bias_stride` (1: a
//            row of n, 0: one value for the whole row) and the NaN-to-zero flag (Softmax only: a
//            row whose sum is NaN, i.e. every output NaN, is written as zeros)
// Enumerator list: best first, scalar reference last. Tactic ids: f32_softmax__<isa>, f32_logsoftmax__<isa>.
#pragma once

#include <cstddef>

#include "platform/cpu.h"

namespace kiln {

using F32SoftmaxRowsFn = void (*)(size_t rows, size_t n, const float* x, float* y, bool log);
using F32SoftmaxStridedFn = void (*)(size_t n, size_t inner, const float* x, float* y, bool log);
using F32SoftmaxRowFn = void (*)(size_t n, const float* x, const float* bias, size_t bias_stride, float* y, bool log,
                                 bool nan_to_zero);

struct F32SoftmaxVariant {
  Isa isa;
  F32SoftmaxRowsFn rows;
  F32SoftmaxStridedFn strided;
  F32SoftmaxRowFn row;
};

#define KILN_DECLARE_SOFTMAX(isa)                                                              \
  void f32_softmax_rows__##isa(size_t rows, size_t n, const float* x, float* y, bool log); \
  void f32_softmax_strided__##isa(size_t n, size_t inner, const float* x, float* y, bool log); \
  void f32_softmax_row__##isa(size_t n, const float* x, const float* bias, size_t bias_stride, float* y, bool log, \
                              bool nan_to_zero);
KILN_DECLARE_SOFTMAX(scalar)
#if defined(KILN_X86)
KILN_DECLARE_SOFTMAX(avx2)
KILN_DECLARE_SOFTMAX(avx512)
#endif
#undef KILN_DECLARE_SOFTMAX

inline constexpr F32SoftmaxVariant kF32SoftmaxVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_softmax_rows__avx512, f32_softmax_strided__avx512, f32_softmax_row__avx512},
    {Isa::kAvx2, f32_softmax_rows__avx2, f32_softmax_strided__avx2, f32_softmax_row__avx2},
#endif
    {Isa::kScalar, f32_softmax_rows__scalar, f32_softmax_strided__scalar, f32_softmax_row__scalar},
};

}  // namespace kiln
