// f32-layernorm: per row of n, y = (x - mean) / sqrt(var + eps) * scale + bias (bias optional).
// Enumerator list: best first, scalar reference last. Tactic ids: f32_layernorm__<isa>.
#pragma once

#include <cstddef>

#include "platform/cpu.h"

namespace kiln {

using F32LayerNormFn = void (*)(size_t rows, size_t n, const float* x, const float* scale, const float* bias,
                                float epsilon, float* y);

struct F32LayerNormVariant {
  Isa isa;
  F32LayerNormFn fn;
};

#define KILN_DECLARE_LAYERNORM(isa)                                                                              \
  void f32_layernorm__##isa(size_t rows, size_t n, const float* x, const float* scale, const float* bias, \
                            float epsilon, float* y);
KILN_DECLARE_LAYERNORM(scalar)
#if defined(KILN_X86)
KILN_DECLARE_LAYERNORM(avx2)
KILN_DECLARE_LAYERNORM(avx512)
#endif
#undef KILN_DECLARE_LAYERNORM

inline constexpr F32LayerNormVariant kF32LayerNormVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_layernorm__avx512},
    {Isa::kAvx2, f32_layernorm__avx2},
#endif
    {Isa::kScalar, f32_layernorm__scalar},
};

}  // namespace kiln
