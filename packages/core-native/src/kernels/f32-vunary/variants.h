// f32-vunary: y[i] = op(x[i]) for one UnaryStep. In-place (x == y) is allowed.
// Enumerator list: best first, scalar reference last. Tactic ids: f32_vunary__<isa>.
#pragma once

#include <cstddef>

#include "kernels/f32-vunary/unary_ops.h"
#include "platform/cpu.h"

namespace kiln {

using F32VUnaryFn = void (*)(const UnaryStep& step, size_t n, const float* x, float* y);

struct F32VUnaryVariant {
  Isa isa;
  F32VUnaryFn fn;
};

void f32_vunary__scalar(const UnaryStep& step, size_t n, const float* x, float* y);
#if defined(KILN_X86)
void f32_vunary__avx2(const UnaryStep& step, size_t n, const float* x, float* y);
void f32_vunary__avx512(const UnaryStep& step, size_t n, const float* x, float* y);
#endif

inline constexpr F32VUnaryVariant kF32VUnaryVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_vunary__avx512},
    {Isa::kAvx2, f32_vunary__avx2},
#endif
    {Isa::kScalar, f32_vunary__scalar},
};

}  // namespace kiln
