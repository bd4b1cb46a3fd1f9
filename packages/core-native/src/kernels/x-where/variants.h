// x-where: ONNX Where, out[i] = cond[i*sc] ? x[i*sx] : y[i*sy] with each stride 0 or 1 (a
// broadcast operand repeats one element over the run). Elements are moved as 1, 2, 4 or 8-byte
// words, so one kernel serves every dtype of that size. cond is bool (any nonzero byte is true).
// 4-byte words (float32, int32) have explicit vector code; other sizes run a plain loop compiled
// per ISA TU (where_loops.h). Enumerator list: best first, scalar reference last.
// Tactic ids: x_where__<isa>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {

using WhereFn = void (*)(size_t n, const uint8_t* cond, bool cond_vec, const void* x, bool x_vec, const void* y,
                         bool y_vec, void* out);

struct XWhereVariant {
  Isa isa;
  WhereFn by_size[4];  // word sizes 1, 2, 4, 8
};

#define KILN_DECLARE_WHERE(isa, bytes)                                                                           \
  void x_where_b##bytes##__##isa(size_t n, const uint8_t* cond, bool cond_vec, const void* x, bool x_vec,       \
                                 const void* y, bool y_vec, void* out);
#define KILN_DECLARE_WHERE_ISA(isa) \
  KILN_DECLARE_WHERE(isa, 1) KILN_DECLARE_WHERE(isa, 2) KILN_DECLARE_WHERE(isa, 4) KILN_DECLARE_WHERE(isa, 8)

KILN_DECLARE_WHERE_ISA(scalar)
#if defined(KILN_X86)
KILN_DECLARE_WHERE_ISA(avx2)
KILN_DECLARE_WHERE_ISA(avx512)
#endif
#undef KILN_DECLARE_WHERE_ISA
#undef KILN_DECLARE_WHERE

#define KILN_WHERE_VARIANT(isa, name) \
  { isa, { x_where_b1__##name, x_where_b2__##name, x_where_b4__##name, x_where_b8__##name } }

inline constexpr XWhereVariant kXWhereVariants[] = {
#if defined(KILN_X86)
    KILN_WHERE_VARIANT(Isa::kAvx512, avx512),
    KILN_WHERE_VARIANT(Isa::kAvx2, avx2),
#endif
    KILN_WHERE_VARIANT(Isa::kScalar, scalar),
};
#undef KILN_WHERE_VARIANT

}  // namespace kiln
