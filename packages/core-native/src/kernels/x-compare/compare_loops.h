// Plain-loop comparisons over any element type, instantiated in every x-compare TU: the scalar
// reference, and (compiled with that TU's -m flags) the integer / bool paths of the vector
// variants. Include once per TU; everything is in an anonymous namespace.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/x-compare/variants.h"

namespace kiln {
namespace {

template <CompareOp OP, class T>
inline uint8_t compare_one(T a, T b) {
  if constexpr (OP == CompareOp::kEqual) return a == b;
  if constexpr (OP == CompareOp::kLess) return a < b;
  if constexpr (OP == CompareOp::kLessEqual) return a <= b;
}

template <CompareOp OP, class T>
void compare_run(size_t n, const T* a, bool a_vec, const T* b, bool b_vec, uint8_t* y) {
  if (a_vec && b_vec) {
    for (size_t i = 0; i < n; ++i) y[i] = compare_one<OP>(a[i], b[i]);
  } else if (a_vec) {
    const T s = *b;
    for (size_t i = 0; i < n; ++i) y[i] = compare_one<OP>(a[i], s);
  } else if (b_vec) {
    const T s = *a;
    for (size_t i = 0; i < n; ++i) y[i] = compare_one<OP>(s, b[i]);
  } else {
    const uint8_t v = compare_one<OP>(*a, *b);
    for (size_t i = 0; i < n; ++i) y[i] = v;
  }
}

template <class T>
void compare_loops(CompareOp op, size_t n, const T* a, bool a_vec, const T* b, bool b_vec, uint8_t* y) {
  switch (op) {
    case CompareOp::kEqual: return compare_run<CompareOp::kEqual>(n, a, a_vec, b, b_vec, y);
    case CompareOp::kLess: return compare_run<CompareOp::kLess>(n, a, a_vec, b, b_vec, y);
    case CompareOp::kLessEqual: return compare_run<CompareOp::kLessEqual>(n, a, a_vec, b, b_vec, y);
  }
}

}  // namespace
}  // namespace kiln

// Defines the integer and bool entry points of one ISA TU.
#define KILN_DEFINE_COMPARE_LOOPS(isa)                                                                              \
  namespace kiln {                                                                                                  \
  void x_compare_s32__##isa(CompareOp op, size_t n, const int32_t* a, bool a_vec, const int32_t* b, bool b_vec,     \
                            uint8_t* y) {                                                                           \
    compare_loops(op, n, a, a_vec, b, b_vec, y);                                                                    \
  }                                                                                                                 \
  void x_compare_s64__##isa(CompareOp op, size_t n, const int64_t* a, bool a_vec, const int64_t* b, bool b_vec,     \
                            uint8_t* y) {                                                                           \
    compare_loops(op, n, a, a_vec, b, b_vec, y);                                                                    \
  }                                                                                                                 \
  void x_compare_u8__##isa(CompareOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b, bool b_vec,      \
                           uint8_t* y) {                                                                            \
    compare_loops(op, n, a, a_vec, b, b_vec, y);                                                                    \
  }                                                                                                                 \
  }
