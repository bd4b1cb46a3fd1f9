// f32-reduce: Sum / Mean / Max over a [outer, r, inner] view.
//   rows: y[i] = reduce(x[i*n .. i*n+n))               (inner == 1)
//   cols: y[j] = reduce over k of x[k*inner + j]         (one outer slice)
// Enumerator list: best first, scalar reference last. Tactic ids: f32_reduce_<op>__<isa>.
#pragma once

#include <cstddef>

#include "platform/cpu.h"

namespace kiln {

enum class ReduceOp : int { kSum = 0, kMean = 1, kMax = 2 };

using F32ReduceRowsFn = void (*)(ReduceOp op, size_t rows, size_t n, const float* x, float* y);
using F32ReduceColsFn = void (*)(ReduceOp op, size_t r, size_t inner, const float* x, float* y);

struct F32ReduceVariant {
  Isa isa;
  F32ReduceRowsFn rows;
  F32ReduceColsFn cols;
};

#define KILN_DECLARE_REDUCE(isa)                                                             \
  void f32_reduce_rows__##isa(ReduceOp op, size_t rows, size_t n, const float* x, float* y); \
  void f32_reduce_cols__##isa(ReduceOp op, size_t r, size_t inner, const float* x, float* y);
KILN_DECLARE_REDUCE(scalar)
#if defined(KILN_X86)
KILN_DECLARE_REDUCE(avx2)
KILN_DECLARE_REDUCE(avx512)
#endif
#undef KILN_DECLARE_REDUCE

inline constexpr F32ReduceVariant kF32ReduceVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_reduce_rows__avx512, f32_reduce_cols__avx512},
    {Isa::kAvx2, f32_reduce_rows__avx2, f32_reduce_cols__avx2},
#endif
    {Isa::kScalar, f32_reduce_rows__scalar, f32_reduce_cols__scalar},
};

}  // namespace kiln
