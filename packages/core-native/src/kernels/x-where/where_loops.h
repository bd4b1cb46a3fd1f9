// Plain x-where loop over one word type, instantiated in every x-where TU: the scalar reference,
// and the sizes a vector variant has no explicit code for. Anonymous namespace: one copy per TU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/x-where/variants.h"

namespace kiln {
namespace {

template <class T>
void where_loop(size_t n, const uint8_t* cond, bool cond_vec, const void* x_, bool x_vec, const void* y_, bool y_vec,
                void* out_) {
  const T* x = static_cast<const T*>(x_);
  const T* y = static_cast<const T*>(y_);
  T* out = static_cast<T*>(out_);
  const size_t sc = cond_vec, sx = x_vec, sy = y_vec;
  for (size_t i = 0; i < n; ++i) out[i] = cond[i * sc] != 0 ? x[i * sx] : y[i * sy];
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_WHERE_LOOP(isa, bytes, type)                                                               \
  namespace kiln {                                                                                             \
  void x_where_b##bytes##__##isa(size_t n, const uint8_t* cond, bool cond_vec, const void* x, bool x_vec,     \
                                 const void* y, bool y_vec, void* out) {                                       \
    where_loop<type>(n, cond, cond_vec, x, x_vec, y, y_vec, out);                                              \
  }                                                                                                            \
  }
