// Plain x-cast loops (the semantics in variants.h), instantiated in every x-cast TU: the scalar
// reference, the tails of the vector loops, and the pairs a vector variant has no code for.
// Anonymous namespace: one copy per TU.
#pragma once

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/x-cast/variants.h"

namespace kiln {
namespace {

template <class To>
To from_float(float v) {
  if (std::isnan(v)) return 0;
  const double d = std::trunc(static_cast<double>(v));
  if (d <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
  if (d >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
  return static_cast<To>(d);
}

template <class From, class To>
void cast_loop(const void* src, void* dst, int64_t n) {
  const From* x = static_cast<const From*>(src);
  To* y = static_cast<To*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    if constexpr (std::is_same_v<To, uint8_t>) y[i] = x[i] != 0 ? 1 : 0;  // bool
    else if constexpr (std::is_same_v<From, float> && !std::is_same_v<To, float>) y[i] = from_float<To>(x[i]);
    else y[i] = static_cast<To>(x[i]);
  }
}

// A vector body over blocks of L elements, the plain loop for the rest.
template <class From, class To, int L, class Body>
void vector_loop(const void* src, void* dst, int64_t n, const Body& body) {
  const From* x = static_cast<const From*>(src);
  To* y = static_cast<To*>(dst);
  int64_t i = 0;
  for (; i + L <= n; i += L) body(x + i, y + i);
  cast_loop<From, To>(x + i, y + i, n - i);
}

template <class From>
CastFn plain_to(DType to) {
  switch (to) {
    case DType::kFloat32: return cast_loop<From, float>;
    case DType::kInt64: return cast_loop<From, int64_t>;
    case DType::kInt32: return cast_loop<From, int32_t>;
    case DType::kBool: return cast_loop<From, uint8_t>;
    case DType::kUint8:  // int8 activations: qu8 layers only (kernel_registry)
    case DType::kBfloat16: return nullptr;  // bf16 activations: bf16 layers only
  }
  return nullptr;
}

inline CastFn plain_cast(DType from, DType to) {
  switch (from) {
    case DType::kFloat32: return plain_to<float>(to);
    case DType::kInt64: return plain_to<int64_t>(to);
    case DType::kInt32: return plain_to<int32_t>(to);
    case DType::kBool: return plain_to<uint8_t>(to);
    case DType::kUint8:
    case DType::kBfloat16: return nullptr;
  }
  return nullptr;
}

}  // namespace
}  // namespace kiln
