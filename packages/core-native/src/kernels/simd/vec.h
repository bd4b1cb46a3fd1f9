// A minimal float vector type for kernel templates compiled once per ISA translation unit:
// 16 lanes (__m512) when the TU is built with -mavx512f, else 8 lanes (__m256, AVX2+FMA).
// Include ONLY from *__avx2.cc / *__avx512.cc files. Everything lives in an anonymous namespace so
// the two instantiations never collide under the one-definition rule.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kiln {
namespace {

#if defined(__AVX512F__)
struct V {
  static constexpr int kWidth = 16;
  __m512 v;
  static V load(const float* p) { return {_mm512_loadu_ps(p)}; }
  static V set1(float x) { return {_mm512_set1_ps(x)}; }
  static V zero() { return {_mm512_setzero_ps()}; }
  void store(float* p) const { _mm512_storeu_ps(p, v); }
};
using M = __mmask16;
inline V operator+(V a, V b) { return {_mm512_add_ps(a.v, b.v)}; }
inline V operator-(V a, V b) { return {_mm512_sub_ps(a.v, b.v)}; }
inline V operator*(V a, V b) { return {_mm512_mul_ps(a.v, b.v)}; }
inline V operator/(V a, V b) { return {_mm512_div_ps(a.v, b.v)}; }
inline V vmax(V a, V b) { return {_mm512_max_ps(a.v, b.v)}; }
inline V vmin(V a, V b) { return {_mm512_min_ps(a.v, b.v)}; }
inline V fmadd(V a, V b, V c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
inline V vsqrt(V a) { return {_mm512_sqrt_ps(a.v)}; }
inline V vabs(V a) { return {_mm512_abs_ps(a.v)}; }
inline V vround(V a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline M gt(V a, V b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_GT_OQ); }
inline M lt(V a, V b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ); }
inline M le(V a, V b) { return _mm512_cmp_ps_mask(a.v, b.v, _CMP_LE_OQ); }
inline V select(M m, V a, V b) { return {_mm512_mask_blend_ps(m, b.v, a.v)}; }  // m ? a : b
// 2^n for integral n in [-126, 127].
inline V pow2i(V n) {
  __m512i i = _mm512_cvtps_epi32(n.v);
  i = _mm512_slli_epi32(_mm512_add_epi32(i, _mm512_set1_epi32(127)), 23);
  return {_mm512_castsi512_ps(i)};
}
// Splits positive normal x into m in [0.5, 1) and exponent e with x = m * 2^e.
inline void frexp_v(V x, V* m, V* e) {
  __m512i bits = _mm512_castps_si512(x.v);
  __m512i ex = _mm512_sub_epi32(_mm512_srli_epi32(bits, 23), _mm512_set1_epi32(126));
  *e = {_mm512_cvtepi32_ps(ex)};
  bits = _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x3f000000));
  *m = {_mm512_castsi512_ps(bits)};
}
inline float hsum(V a) { return _mm512_reduce_add_ps(a.v); }
inline float hmax(V a) { return _mm512_reduce_max_ps(a.v); }
#else
struct V {
  static constexpr int kWidth = 8;
  __m256 v;
  static V load(const float* p) { return {_mm256_loadu_ps(p)}; }
  static V set1(float x) { return {_mm256_set1_ps(x)}; }
  static V zero() { return {_mm256_setzero_ps()}; }
  void store(float* p) const { _mm256_storeu_ps(p, v); }
};
using M = __m256;
inline V operator+(V a, V b) { return {_mm256_add_ps(a.v, b.v)}; }
inline V operator-(V a, V b) { return {_mm256_sub_ps(a.v, b.v)}; }
inline V operator*(V a, V b) { return {_mm256_mul_ps(a.v, b.v)}; }
inline V operator/(V a, V b) { return {_mm256_div_ps(a.v, b.v)}; }
inline V vmax(V a, V b) { return {_mm256_max_ps(a.v, b.v)}; }
inline V vmin(V a, V b) { return {_mm256_min_ps(a.v, b.v)}; }
inline V fmadd(V a, V b, V c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
inline V vsqrt(V a) { return {_mm256_sqrt_ps(a.v)}; }
inline V vabs(V a) { return {_mm256_andnot_ps(_mm256_set1_ps(-0.0f), a.v)}; }
inline V vround(V a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
inline M gt(V a, V b) { return _mm256_cmp_ps(a.v, b.v, _CMP_GT_OQ); }
inline M lt(V a, V b) { return _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ); }
inline M le(V a, V b) { return _mm256_cmp_ps(a.v, b.v, _CMP_LE_OQ); }
inline V select(M m, V a, V b) { return {_mm256_blendv_ps(b.v, a.v, m)}; }
inline V pow2i(V n) {
  __m256i i = _mm256_cvtps_epi32(n.v);
  i = _mm256_slli_epi32(_mm256_add_epi32(i, _mm256_set1_epi32(127)), 23);
  return {_mm256_castsi256_ps(i)};
}
inline void frexp_v(V x, V* m, V* e) {
  __m256i bits = _mm256_castps_si256(x.v);
  __m256i ex = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126));
  *e = {_mm256_cvtepi32_ps(ex)};
  bits = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000));
  *m = {_mm256_castsi256_ps(bits)};
}
inline float hsum(V a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
inline float hmax(V a) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(a.v), _mm256_extractf128_ps(a.v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}
#endif

constexpr int W = V::kWidth;

// Loads n < W floats, padding with `fill`; stores back only n.
inline V load_tail(const float* p, size_t n, float fill) {
  alignas(64) float tmp[W];
  for (int i = 0; i < W; ++i) tmp[i] = fill;
  std::memcpy(tmp, p, n * sizeof(float));
  return V::load(tmp);
}
inline void store_tail(V v, float* p, size_t n) {
  alignas(64) float tmp[W];
  v.store(tmp);
  std::memcpy(p, tmp, n * sizeof(float));
}

}  // namespace
}  // namespace kiln
