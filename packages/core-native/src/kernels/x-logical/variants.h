// x-logical: ONNX And, Or, Xor (bool with multidirectional broadcasting) and Not over bool
// tensors stored as one byte per element. Any nonzero byte reads as true; outputs are 0 or 1.
//   binary: y[i] = a[i*sa] OP b[i*sb], sa and sb in {0, 1}      not: y[i] = !x[i]
// One plain byte loop (logical_loops.h) compiled per ISA TU, so each variant is that ISA's
// vector code. Enumerator list: best first, scalar reference last.
// Tactic ids: x_logical_and__<isa>, x_logical_or__<isa>, x_logical_xor__<isa>, x_logical_not__<isa>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {

enum class LogicalOp : int { kAnd, kOr, kXor };

using LogicalBinaryFn = void (*)(LogicalOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b, bool b_vec,
                                 uint8_t* y);
using LogicalNotFn = void (*)(size_t n, const uint8_t* x, uint8_t* y);

struct XLogicalVariant {
  Isa isa;
  LogicalBinaryFn binary;
  LogicalNotFn logical_not;
};

#define KILN_DECLARE_LOGICAL(isa)                                                                                \
  void x_logical_binary__##isa(LogicalOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b,          \
                               bool b_vec, uint8_t* y);                                                         \
  void x_logical_not__##isa(size_t n, const uint8_t* x, uint8_t* y);

KILN_DECLARE_LOGICAL(scalar)
#if defined(KILN_X86)
KILN_DECLARE_LOGICAL(avx2)
KILN_DECLARE_LOGICAL(avx512)
#endif
#undef KILN_DECLARE_LOGICAL

inline constexpr XLogicalVariant kXLogicalVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, x_logical_binary__avx512, x_logical_not__avx512},
    {Isa::kAvx2, x_logical_binary__avx2, x_logical_not__avx2},
#endif
    {Isa::kScalar, x_logical_binary__scalar, x_logical_not__scalar},
};

}  // namespace kiln
