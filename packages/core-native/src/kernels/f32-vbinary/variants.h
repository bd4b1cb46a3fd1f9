// f32-vbinary: elementwise a OP b on contiguous rows. Three shapes of operands per variant:
//   vv: a[i] OP b[i]     vs: a[i] OP b (b broadcast)     sv: a OP b[i] (a broadcast)
// In-place (y == a or y == b) is allowed. Broadcasting over whole tensors is done by the driver
// (f32_vbinary_op.cc), which calls these on the innermost contiguous run.
// Enumerator list: best first, scalar reference last. Tactic ids: f32_vbinary_<op>__<isa>.
#pragma once

#include <cstddef>
#include <string>

#include "platform/cpu.h"

namespace kiln {

#define KILN_BINARY_OPS(X) \
  X(kAdd, "add") X(kSub, "sub") X(kMul, "mul") X(kDiv, "div") X(kMax, "max") X(kMin, "min") X(kPow, "pow")

enum class BinaryOp : int {
#define KILN_X(id, name) id,
  KILN_BINARY_OPS(KILN_X)
#undef KILN_X
};

using F32VBinaryVV = void (*)(BinaryOp op, size_t n, const float* a, const float* b, float* y);
using F32VBinaryVS = void (*)(BinaryOp op, size_t n, const float* a, float b, float* y);
using F32VBinarySV = void (*)(BinaryOp op, size_t n, float a, const float* b, float* y);

struct F32VBinaryVariant {
  Isa isa;
  F32VBinaryVV vv;
  F32VBinaryVS vs;
  F32VBinarySV sv;
};

#define KILN_DECLARE_VBINARY(isa)                                                          \
  void f32_vbinary_vv__##isa(BinaryOp op, size_t n, const float* a, const float* b, float* y); \
  void f32_vbinary_vs__##isa(BinaryOp op, size_t n, const float* a, float b, float* y);        \
  void f32_vbinary_sv__##isa(BinaryOp op, size_t n, float a, const float* b, float* y);

KILN_DECLARE_VBINARY(scalar)
#if defined(KILN_X86)
KILN_DECLARE_VBINARY(avx2)
KILN_DECLARE_VBINARY(avx512)
#endif
#undef KILN_DECLARE_VBINARY

inline constexpr F32VBinaryVariant kF32VBinaryVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, f32_vbinary_vv__avx512, f32_vbinary_vs__avx512, f32_vbinary_sv__avx512},
    {Isa::kAvx2, f32_vbinary_vv__avx2, f32_vbinary_vs__avx2, f32_vbinary_sv__avx2},
#endif
    {Isa::kScalar, f32_vbinary_vv__scalar, f32_vbinary_vs__scalar, f32_vbinary_sv__scalar},
};

}  // namespace kiln
