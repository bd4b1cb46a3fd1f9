// Vector f32-resize row kernels, compiled once per ISA TU: index vectors drive gathers; the tail
// runs the scalar formula (same operation order as the reference).
#pragma once

#include <immintrin.h>

#include "kernels/f32-resize/variants.h"

namespace kiln {
namespace {

#if defined(__AVX512F__)
constexpr size_t kLanes = 16;
using VF = __m512;
inline VF gather(const float* base, const int32_t* index) {
  return _mm512_i32gather_ps(_mm512_loadu_si512(index), base, 4);
}
inline VF loadf(const float* p) { return _mm512_loadu_ps(p); }
inline VF splat(float v) { return _mm512_set1_ps(v); }
inline void storef(float* p, VF v) { _mm512_storeu_ps(p, v); }
inline VF lerp(VF a, VF b, VF w) { return _mm512_fmadd_ps(b, w, _mm512_mul_ps(a, _mm512_sub_ps(_mm512_set1_ps(1.0f), w))); }
inline __mmask16 lanes(size_t left) { return static_cast<__mmask16>((1u << left) - 1); }
inline VF load_part(const float* p, size_t left) { return _mm512_maskz_loadu_ps(lanes(left), p); }
inline void store_part(float* p, VF v, size_t left) { _mm512_mask_storeu_ps(p, lanes(left), v); }
#else
constexpr size_t kLanes = 8;
using VF = __m256;
inline VF gather(const float* base, const int32_t* index) {
  return _mm256_i32gather_ps(base, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index)), 4);
}
inline VF loadf(const float* p) { return _mm256_loadu_ps(p); }
inline VF splat(float v) { return _mm256_set1_ps(v); }
inline void storef(float* p, VF v) { _mm256_storeu_ps(p, v); }
inline VF lerp(VF a, VF b, VF w) { return _mm256_fmadd_ps(b, w, _mm256_mul_ps(a, _mm256_sub_ps(_mm256_set1_ps(1.0f), w))); }
inline __m256i lanes(size_t left) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(left)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
inline VF load_part(const float* p, size_t left) { return _mm256_maskload_ps(p, lanes(left)); }
inline void store_part(float* p, VF v, size_t left) { _mm256_maskstore_ps(p, lanes(left), v); }
#endif

inline void nearest_row(size_t n, const float* row, const int32_t* x0, float* y) {
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) storef(y + j, gather(row, x0 + j));
  for (; j < n; ++j) y[j] = row[x0[j]];
}

inline void linear_row(size_t n, const float* top, const float* bottom, float wy, const int32_t* x0, const int32_t* x1,
                       const float* wx, float* y) {
  const VF vwy = splat(wy);
  size_t j = 0;
  for (; j + kLanes <= n; j += kLanes) {
    const VF w = loadf(wx + j);
    const VF t = lerp(gather(top, x0 + j), gather(top, x1 + j), w);
    const VF b = lerp(gather(bottom, x0 + j), gather(bottom, x1 + j), w);
    storef(y + j, lerp(t, b, vwy));
  }
  for (; j < n; ++j) {
    const float t = top[x0[j]] * (1.0f - wx[j]) + top[x1[j]] * wx[j];
    const float b = bottom[x0[j]] * (1.0f - wx[j]) + bottom[x1[j]] * wx[j];
    y[j] = t * (1.0f - wy) + b * wy;
  }
}

inline void nearest_pixels(size_t c, size_t n, const float* row, const int32_t* x0, float* y) {
  for (size_t j = 0; j < n; ++j) {
    const float* from = row + x0[j] * c;
    float* to = y + j * c;
    size_t k = 0;
    for (; k + kLanes <= c; k += kLanes) storef(to + k, loadf(from + k));
    if (k < c) store_part(to + k, load_part(from + k, c - k), c - k);
  }
}

inline void linear_pixels(size_t c, size_t n, const float* top, const float* bottom, float wy, const int32_t* x0,
                          const int32_t* x1, const float* wx, float* y) {
  const VF vwy = splat(wy);
  for (size_t j = 0; j < n; ++j) {
    const VF w = splat(wx[j]);
    const float *t0 = top + x0[j] * c, *t1 = top + x1[j] * c, *b0 = bottom + x0[j] * c, *b1 = bottom + x1[j] * c;
    float* o = y + j * c;
    size_t k = 0;
    for (; k + kLanes <= c; k += kLanes) {
      const VF t = lerp(loadf(t0 + k), loadf(t1 + k), w), b = lerp(loadf(b0 + k), loadf(b1 + k), w);
      storef(o + k, lerp(t, b, vwy));
    }
    if (k < c) {
      const size_t left = c - k;
      const VF t = lerp(load_part(t0 + k, left), load_part(t1 + k, left), w);
      const VF b = lerp(load_part(b0 + k, left), load_part(b1 + k, left), w);
      store_part(o + k, lerp(t, b, vwy), left);
    }
  }
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_RESIZE(isa)                                                                                   \
  namespace kiln {                                                                                                \
  void f32_resize_nearest_row__##isa(size_t n, const float* row, const int32_t* x0, float* y) {                   \
    nearest_row(n, row, x0, y);                                                                                   \
  }                                                                                                               \
  void f32_resize_linear_row__##isa(size_t n, const float* top, const float* bottom, float wy, const int32_t* x0, \
                                    const int32_t* x1, const float* wx, float* y) {                               \
    linear_row(n, top, bottom, wy, x0, x1, wx, y);                                                                \
  }                                                                                                               \
  void f32_resize_nearest_nhwc__##isa(size_t c, size_t n, const float* row, const int32_t* x0, float* y) {        \
    nearest_pixels(c, n, row, x0, y);                                                                             \
  }                                                                                                               \
  void f32_resize_linear_nhwc__##isa(size_t c, size_t n, const float* top, const float* bottom, float wy,         \
                                     const int32_t* x0, const int32_t* x1, const float* wx, float* y) {           \
    linear_pixels(c, n, top, bottom, wy, x0, x1, wx, y);                                                          \
  }                                                                                                               \
  }
