// x-cast: element conversions among float32, int64, int32 and bool (the executor's dtypes).
// float -> int truncates toward zero, NaN becomes 0 and out-of-range values saturate; anything ->
// bool is x != 0 (NaN is true); bool -> number is the byte's value; int64 -> int32 wraps.
// Each variant's pick returns the conversion for one (from, to) pair; the vector variants use the
// ISA's conversion instructions (vcvttps2dq, vcvttps2qq, vcvtqq2ps, vpmovqd, ...) and fall back to
// the plain loop (cast_loops.h) for pairs their ISA has no instruction for.
// Enumerator list: best first, scalar reference last. Tactic ids: x_cast__<isa>.
#pragma once

#include <cstdint>

#include "executor/program.h"
#include "platform/cpu.h"

namespace kiln {

// y[0..n) = convert(x[0..n)); x and y point at the first element of the range.
using CastFn = void (*)(const void* x, void* y, int64_t n);

struct XCastVariant {
  Isa isa;
  CastFn (*pick)(DType from, DType to);
};

#define KILN_DECLARE_CAST(isa) CastFn x_cast_pick__##isa(DType from, DType to);
KILN_DECLARE_CAST(scalar)
#if defined(KILN_X86)
KILN_DECLARE_CAST(avx2)
KILN_DECLARE_CAST(avx512)
#endif
#undef KILN_DECLARE_CAST

inline constexpr XCastVariant kXCastVariants[] = {
#if defined(KILN_X86)
    {Isa::kAvx512, x_cast_pick__avx512},
    {Isa::kAvx2, x_cast_pick__avx2},
#endif
    {Isa::kScalar, x_cast_pick__scalar},
};

}  // namespace kiln
