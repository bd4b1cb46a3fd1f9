// Vector f32-softmax body, compiled once per ISA TU (see kernels/simd/vec.h).
#pragma once

#include <cmath>
#include <limits>

#include "kernels/f32-softmax/variants.h"
#include "kernels/simd/vmath.h"

namespace kiln {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// exp(d) for d = x - max <= 0, keeping a NaN d (a NaN x; x = max = ±inf, as in an all -inf row)
// NaN as ONNX's Softmax does (vexp alone clamps NaN to its low bound; `d <= +inf` is false only
// for NaN). Below -87 the result is 0 (exp(-87) = 1.6e-38, nothing next to the maximum's 1):
// vexp's own path there computes a subnormal before discarding it, which costs about 6x on
// masked (-inf) scores.
constexpr float kExpFloor = -87.0f;
inline V exp_keep_nan(V d) {
  const V floor = V::set1(kExpFloor);
  const V e = select(lt(d, floor), V::zero(), vexp(vmax(d, floor)));
  return select(le(d, V::set1(std::numeric_limits<float>::infinity())), e, d);
}

// The row's values: x itself.
struct PlainRow {
  const float* x;
  V full(size_t i) const { return V::load(x + i); }
  V tail(size_t i, size_t count) const { return load_tail(x + i, count, kNegInf); }
};

// The row's values: x + bias, the bias advancing by `stride` (1) or repeating one value (0). Each
// pass recomputes the sum rather than storing it: x and the bias stay in L1 across the passes.
struct BiasedRow {
  const float* x;
  const float* bias;
  size_t stride;
  V full(size_t i) const { return V::load(x + i) + (stride != 0 ? V::load(bias + i) : V::set1(bias[0])); }
  V tail(size_t i, size_t count) const {
    alignas(64) float z[W];
    for (int l = 0; l < W; ++l) z[l] = kNegInf;
    for (size_t l = 0; l < count; ++l) z[l] = x[i + l] + bias[(i + l) * stride];
    return V::load(z);
  }
};

// Softmax (or log-softmax) of one row of n values z. Padding lanes of a tail are -inf: exp gives
// 0 there. With `nan_to_zero` (not for log), a row whose sum is NaN is written as zeros: its sum
// is NaN exactly when every output would be NaN (an all -inf row, a NaN or +inf value), since
// otherwise the maximum's term is 1.
template <class Row>
inline void softmax_row_of(size_t n, const Row& z, float* y, bool log, bool nan_to_zero) {
  V vmx = V::set1(kNegInf);
  size_t i = 0;
  for (; i + W <= n; i += W) vmx = vmax(vmx, z.full(i));
  const size_t rest = n - i;
  if (rest != 0) vmx = vmax(vmx, z.tail(i, rest));
  const float max = hmax(vmx);
  const V vm = V::set1(max);
  V vsum = V::zero();
  for (i = 0; i + W <= n; i += W) {
    const V e = exp_keep_nan(z.full(i) - vm);
    if (!log) e.store(y + i);
    vsum = vsum + e;
  }
  if (rest != 0) {
    const V e = exp_keep_nan(z.tail(i, rest) - vm);
    if (!log) store_tail(e, y + i, rest);
    vsum = vsum + e;
  }
  const float sum = hsum(vsum);
  if (nan_to_zero && !log && std::isnan(sum)) {
    for (i = 0; i < n; ++i) y[i] = 0.0f;
    return;
  }
  if (log) {
    const V shift = V::set1(max + std::log(sum));
    for (i = 0; i + W <= n; i += W) (z.full(i) - shift).store(y + i);
    if (rest != 0) store_tail(z.tail(i, rest) - shift, y + i, rest);
  } else {
    const V scale = V::set1(1.0f / sum);
    for (i = 0; i + W <= n; i += W) (V::load(y + i) * scale).store(y + i);
    if (rest != 0) store_tail(load_tail(y + i, rest, 0.0f) * scale, y + i, rest);
  }
}

inline void softmax_row(size_t n, const float* x, float* y, bool log) { softmax_row_of(n, PlainRow{x}, y, log, false); }

inline void softmax_row_biased(size_t n, const float* x, const float* bias, size_t bias_stride, float* y, bool log,
                               bool nan_to_zero) {
  if (bias == nullptr) softmax_row_of(n, PlainRow{x}, y, log, nan_to_zero);
  else softmax_row_of(n, BiasedRow{x, bias, bias_stride}, y, log, nan_to_zero);
}

// One [n, inner] slice, W columns at a time; `cols` < W only for the last chunk.
inline void softmax_columns(size_t n, size_t inner, size_t cols, const float* x, float* y, bool log) {
  auto load = [&](const float* p) { return cols == W ? V::load(p) : load_tail(p, cols, 0.0f); };
  auto store = [&](V v, float* p) {
    if (cols == W) v.store(p);
    else store_tail(v, p, cols);
  };
  V vm = V::set1(kNegInf);
  for (size_t k = 0; k < n; ++k) vm = vmax(vm, load(x + k * inner));
  V vsum = V::zero();
  for (size_t k = 0; k < n; ++k) {
    const V e = exp_keep_nan(load(x + k * inner) - vm);
    if (!log) store(e, y + k * inner);
    vsum = vsum + e;
  }
  if (log) {
    alignas(64) float s[W];
    vsum.store(s);
    for (int l = 0; l < W; ++l) s[l] = std::log(s[l]);
    const V shift = vm + V::load(s);
    for (size_t k = 0; k < n; ++k) store(load(x + k * inner) - shift, y + k * inner);
  } else {
    const V scale = V::set1(1.0f) / vsum;
    for (size_t k = 0; k < n; ++k) store(load(y + k * inner) * scale, y + k * inner);
  }
}

inline void softmax_strided_impl(size_t n, size_t inner, const float* x, float* y, bool log) {
  for (size_t j = 0; j < inner; j += W) softmax_columns(n, inner, std::min<size_t>(W, inner - j), x + j, y + j, log);
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_SOFTMAX(isa)                                                                 \
  namespace kiln {                                                                               \
  void f32_softmax_rows__##isa(size_t rows, size_t n, const float* x, float* y, bool log) {     \
    for (size_t r = 0; r < rows; ++r) softmax_row(n, x + r * n, y + r * n, log);                \
  }                                                                                              \
  void f32_softmax_strided__##isa(size_t n, size_t inner, const float* x, float* y, bool log) { \
    softmax_strided_impl(n, inner, x, y, log);                                                   \
  }                                                                                              \
  void f32_softmax_row__##isa(size_t n, const float* x, const float* bias, size_t bias_stride, float* y, bool log, \
                              bool nan_to_zero) {                                                \
    softmax_row_biased(n, x, bias, bias_stride, y, log, nan_to_zero);                            \
  }                                                                                              \
  }
