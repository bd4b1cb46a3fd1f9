// x-compare: elementwise comparisons to bool (uint8 0/1) and float classification (IsNaN, IsInf).
//   compare: y[i] = a[i*sa] OP b[i*sb], sa and sb in {0, 1} (a_vec / b_vec false: one element
//            broadcast over the run). Greater / GreaterOrEqual are Less / LessOrEqual with the
//            operands swapped (same NaN behaviour: every comparison with NaN is false).
//   classify: y[i] = test(x[i]).
// float32 runs explicit vector code per ISA; int32 / int64 / bool run one plain loop compiled per
// ISA TU (see compare_loops.h). Enumerator list: best first, scalar reference last.
// Tactic ids: x_compare_<op>__<isa>, f32_isnan__<isa>, f32_isinf__<isa>.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln {

enum class CompareOp : int { kEqual, kLess, kLessEqual };
enum class ClassifyOp : int { kNan, kInf, kPosInf, kNegInf };

template <class T>
using CompareFn = void (*)(CompareOp op, size_t n, const T* a, bool a_vec, const T* b, bool b_vec, uint8_t* y);
using ClassifyFn = void (*)(ClassifyOp op, size_t n, const float* x, uint8_t* y);

struct XCompareVariant {
  Isa isa;
  CompareFn<float> f32;
  CompareFn<int32_t> s32;
  CompareFn<int64_t> s64;
  CompareFn<uint8_t> u8;
  ClassifyFn classify;
};

#define KILN_DECLARE_COMPARE(isa)                                                                                   \
  void x_compare_f32__##isa(CompareOp op, size_t n, const float* a, bool a_vec, const float* b, bool b_vec,        \
                            uint8_t* y);                                                                           \
  void x_compare_s32__##isa(CompareOp op, size_t n, const int32_t* a, bool a_vec, const int32_t* b, bool b_vec,    \
                            uint8_t* y);                                                                           \
  void x_compare_s64__##isa(CompareOp op, size_t n, const int64_t* a, bool a_vec, const int64_t* b, bool b_vec,    \
                            uint8_t* y);                                                                           \
  void x_compare_u8__##isa(CompareOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b, bool b_vec,     \
                           uint8_t* y);                                                                            \
  void f32_classify__##isa(ClassifyOp op, size_t n, const float* x, uint8_t* y);

KILN_DECLARE_COMPARE(scalar)
#if defined(KILN_X86)
KILN_DECLARE_COMPARE(avx2)
KILN_DECLARE_COMPARE(avx512)
#endif
#undef KILN_DECLARE_COMPARE

#define KILN_COMPARE_VARIANT(isa, name) \
  { isa, x_compare_f32__##name, x_compare_s32__##name, x_compare_s64__##name, x_compare_u8__##name, f32_classify__##name }

inline constexpr XCompareVariant kXCompareVariants[] = {
#if defined(KILN_X86)
    KILN_COMPARE_VARIANT(Isa::kAvx512, avx512),
    KILN_COMPARE_VARIANT(Isa::kAvx2, avx2),
#endif
    KILN_COMPARE_VARIANT(Isa::kScalar, scalar),
};
#undef KILN_COMPARE_VARIANT

}  // namespace kiln
