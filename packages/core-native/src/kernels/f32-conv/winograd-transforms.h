// Winograd tile transforms written once over a vector type V (one channel vector per lane
// group), instantiated by winograd__<isa>.cc with its own V. Included only by those files.
//
// V provides: T, kWidth, load(p), load_tail(p, n), store(p, v), store_tail(p, v, n), add, sub,
// min, max, set1(x), fmadd(a, b, c) = a * b + c (b a vector of a constant).
//
// F(4x4, 3x3): B^T d B over 6x6 inputs, A^T m A to 4x4 outputs; F(2x2, 3x3): 4x4 -> 2x2
// (Lavin & Gray 2015). Both 2D transforms apply the 1D one down the columns, then along the rows.
#pragma once

#include <cstdint>

#include "winograd.h"

namespace kiln::f32_conv::winograd {

template <class V, bool kFull>
inline typename V::T load_n(const float* p, int n) {
  if constexpr (kFull) return V::load(p);
  else return V::load_tail(p, n);
}

template <class V, bool kFull>
inline void store_n(float* p, typename V::T v, int n) {
  if constexpr (kFull) V::store(p, v);
  else V::store_tail(p, v, n);
}

// 1D input transforms: w = B^T d (element stride 1 over the arrays).
template <class V, int kTile>
inline void input_1d(const typename V::T* d, typename V::T* w) {
  if constexpr (kTile == 4) {
    const auto four = V::set1(4.0f), minus_four = V::set1(-4.0f), minus_five = V::set1(-5.0f);
    w[0] = V::fmadd(d[0], four, V::fmadd(d[2], minus_five, d[4]));
    const auto a = V::fmadd(d[2], minus_four, d[4]), b = V::fmadd(d[1], minus_four, d[3]);
    w[1] = V::add(a, b);
    w[2] = V::sub(a, b);
    const auto c = V::sub(d[4], d[2]), half_e = V::sub(d[3], d[1]), e = V::add(half_e, half_e);
    w[3] = V::add(c, e);
    w[4] = V::sub(c, e);
    w[5] = V::fmadd(d[1], four, V::fmadd(d[3], minus_five, d[5]));
  } else {
    w[0] = V::sub(d[0], d[2]);
    w[1] = V::add(d[1], d[2]);
    w[2] = V::sub(d[2], d[1]);
    w[3] = V::sub(d[1], d[3]);
  }
}

// 1D output transforms: y = A^T m.
template <class V, int kTile>
inline void output_1d(const typename V::T* m, typename V::T* y) {
  if constexpr (kTile == 4) {
    const auto s12 = V::add(m[1], m[2]), d12 = V::sub(m[1], m[2]);
    const auto s34 = V::add(m[3], m[4]), d34 = V::sub(m[3], m[4]);
    y[0] = V::add(V::add(m[0], s12), s34);
    y[1] = V::fmadd(d34, V::set1(2.0f), d12);
    y[2] = V::fmadd(s34, V::set1(4.0f), s12);
    y[3] = V::add(V::fmadd(d34, V::set1(8.0f), d12), m[5]);
  } else {
    y[0] = V::add(V::add(m[0], m[1]), m[2]);
    y[1] = V::sub(V::sub(m[1], m[2]), m[3]);
  }
}

template <class V, int kTile, bool kFull>
inline void input_channels(const float* const* pixels, int64_t c, int n, float* out,
                           int64_t point_stride) {
  using T = typename V::T;
  constexpr int a = kTile + 2;
  T t[a][a];  // B^T d, stored column by column
  for (int j = 0; j < a; ++j) {
    T column[a], transformed[a];
    for (int i = 0; i < a; ++i) column[i] = load_n<V, kFull>(pixels[i * a + j] + c, n);
    input_1d<V, kTile>(column, transformed);
    for (int i = 0; i < a; ++i) t[i][j] = transformed[i];
  }
  for (int i = 0; i < a; ++i) {
    T row[a];
    input_1d<V, kTile>(t[i], row);
    for (int j = 0; j < a; ++j) store_n<V, kFull>(out + (i * a + j) * point_stride + c, row[j], n);
  }
}

template <class V, int kTile, bool kFull>
inline void output_channels(const float* in, int64_t point_stride, int64_t c, int n,
                            const WinogradStore& store) {
  using T = typename V::T;
  constexpr int a = kTile + 2;
  T t[kTile][a];  // A^T m
  for (int j = 0; j < a; ++j) {
    T column[a], transformed[kTile];
    for (int i = 0; i < a; ++i) column[i] = load_n<V, kFull>(in + (i * a + j) * point_stride + c, n);
    output_1d<V, kTile>(column, transformed);
    for (int i = 0; i < kTile; ++i) t[i][j] = transformed[i];
  }
  const T bias = store.bias != nullptr ? load_n<V, kFull>(store.bias + c, n) : V::set1(0.0f);
  const T lo = V::set1(store.min_value), hi = V::set1(store.max_value);
  for (int i = 0; i < store.rows; ++i) {
    T row[kTile];
    output_1d<V, kTile>(t[i], row);
    float* out = store.out + i * store.row_stride + c;
    for (int j = 0; j < store.cols; ++j) {
      T y = store.bias != nullptr ? V::add(row[j], bias) : row[j];
      if (store.clamp) y = V::min(V::max(y, lo), hi);
      store_n<V, kFull>(out + j * store.pixel_stride, y, n);
    }
  }
}

template <class V, int kTile>
void input_tile(const float* const* pixels, int64_t channels, float* out, int64_t point_stride) {
  int64_t c = 0;
  for (; c + V::kWidth <= channels; c += V::kWidth) {
    input_channels<V, kTile, true>(pixels, c, V::kWidth, out, point_stride);
  }
  if (c < channels) input_channels<V, kTile, false>(pixels, c, static_cast<int>(channels - c), out, point_stride);
}

template <class V, int kTile>
void output_tile(const float* in, int64_t point_stride, int64_t channels, const WinogradStore& store) {
  int64_t c = 0;
  for (; c + V::kWidth <= channels; c += V::kWidth) {
    output_channels<V, kTile, true>(in, point_stride, c, V::kWidth, store);
  }
  if (c < channels) output_channels<V, kTile, false>(in, point_stride, c, static_cast<int>(channels - c), store);
}

}  // namespace kiln::f32_conv::winograd

// Defines the four transform entry points of winograd.h for one ISA from its vector type.
#define KILN_WINOGRAD_DEFINE(isa, V)                                                              \
  void f32_winograd_4x4_input__##isa(const float* const* pixels, int64_t channels, float* out,   \
                                     int64_t point_stride) {                                     \
    winograd::input_tile<V, 4>(pixels, channels, out, point_stride);                             \
  }                                                                                              \
  void f32_winograd_4x4_output__##isa(const float* in, int64_t point_stride, int64_t channels,    \
                                      const WinogradStore& store) {                              \
    winograd::output_tile<V, 4>(in, point_stride, channels, store);                              \
  }                                                                                              \
  void f32_winograd_2x2_input__##isa(const float* const* pixels, int64_t channels, float* out,   \
                                     int64_t point_stride) {                                     \
    winograd::input_tile<V, 2>(pixels, channels, out, point_stride);                             \
  }                                                                                              \
  void f32_winograd_2x2_output__##isa(const float* in, int64_t point_stride, int64_t channels,    \
                                      const WinogradStore& store) {                              \
    winograd::output_tile<V, 2>(in, point_stride, channels, store);                              \
  }
