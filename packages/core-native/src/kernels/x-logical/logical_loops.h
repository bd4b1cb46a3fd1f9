// The x-logical byte loops, instantiated once per ISA TU (the -m flags of the TU decide the
// vector width the compiler uses). Everything is in an anonymous namespace.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/x-logical/variants.h"

namespace kiln {
namespace {

template <LogicalOp OP>
inline uint8_t logical_one(uint8_t a, uint8_t b) {
  const uint8_t x = a != 0, y = b != 0;
  if constexpr (OP == LogicalOp::kAnd) return x & y;
  if constexpr (OP == LogicalOp::kOr) return x | y;
  if constexpr (OP == LogicalOp::kXor) return x ^ y;
}

template <LogicalOp OP>
void logical_run(size_t n, const uint8_t* a, bool a_vec, const uint8_t* b, bool b_vec,
                 uint8_t* y) {
  if (a_vec && b_vec) {
    for (size_t i = 0; i < n; ++i) y[i] = logical_one<OP>(a[i], b[i]);
  } else if (a_vec) {
    const uint8_t s = *b;
    for (size_t i = 0; i < n; ++i) y[i] = logical_one<OP>(a[i], s);
  } else if (b_vec) {
    const uint8_t s = *a;
    for (size_t i = 0; i < n; ++i) y[i] = logical_one<OP>(s, b[i]);
  } else {
    const uint8_t v = logical_one<OP>(*a, *b);
    for (size_t i = 0; i < n; ++i) y[i] = v;
  }
}

inline void logical_binary(LogicalOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b, bool b_vec,
                           uint8_t* y) {
  switch (op) {
    case LogicalOp::kAnd: return logical_run<LogicalOp::kAnd>(n, a, a_vec, b, b_vec, y);
    case LogicalOp::kOr: return logical_run<LogicalOp::kOr>(n, a, a_vec, b, b_vec, y);
    case LogicalOp::kXor: return logical_run<LogicalOp::kXor>(n, a, a_vec, b, b_vec, y);
  }
}

inline void logical_not(size_t n, const uint8_t* x, uint8_t* y) {
  for (size_t i = 0; i < n; ++i) y[i] = x[i] == 0;
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_LOGICAL(isa)                                                                                  \
  namespace kiln {                                                                                                \
  void x_logical_binary__##isa(LogicalOp op, size_t n, const uint8_t* a, bool a_vec, const uint8_t* b,           \
                               bool b_vec, uint8_t* y) {                                                          \
    logical_binary(op, n, a, a_vec, b, b_vec, y);                                                                 \
  }                                                                                                               \
  void x_logical_not__##isa(size_t n, const uint8_t* x, uint8_t* y) { logical_not(n, x, y); }                    \
  }
