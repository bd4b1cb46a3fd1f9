// Vector sin / cos and floor / ceil over V (see vec.h). sin and cos follow Cephes' sinf / cosf:
// reduction by pi/4 in three parts (exact to |x| ~ 8192, where float spacing starts to dominate)
// and the minimax polynomials on [-pi/4, pi/4]; |error| < 2e-7 on that range.
#pragma once

#include "kernels/simd/vec.h"

namespace kiln {
namespace {

#if defined(__AVX512F__)
using VI = __m512i;
inline VI vi_cvt(V x) { return _mm512_cvttps_epi32(x.v); }
inline V vi_float(VI i) { return {_mm512_cvtepi32_ps(i)}; }
inline VI vi_add(VI a, int b) { return _mm512_add_epi32(a, _mm512_set1_epi32(b)); }
inline VI vi_and(VI a, int b) { return _mm512_and_si512(a, _mm512_set1_epi32(b)); }
inline VI vi_andnot(VI a, int b) { return _mm512_andnot_si512(a, _mm512_set1_epi32(b)); }
inline VI vi_shl29(VI a) { return _mm512_slli_epi32(a, 29); }
inline M vi_zero_mask(VI a) { return _mm512_cmpeq_epi32_mask(a, _mm512_setzero_si512()); }
inline V v_xor_bits(V a, VI bits) { return {_mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a.v), bits))}; }
inline VI v_sign_bits(V a) { return _mm512_and_si512(_mm512_castps_si512(a.v), _mm512_set1_epi32(INT32_MIN)); }
inline V vfloor(V a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC)}; }
inline V vceil(V a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_POS_INF | _MM_FROUND_NO_EXC)}; }
#else
using VI = __m256i;
inline VI vi_cvt(V x) { return _mm256_cvttps_epi32(x.v); }
inline V vi_float(VI i) { return {_mm256_cvtepi32_ps(i)}; }
inline VI vi_add(VI a, int b) { return _mm256_add_epi32(a, _mm256_set1_epi32(b)); }
inline VI vi_and(VI a, int b) { return _mm256_and_si256(a, _mm256_set1_epi32(b)); }
inline VI vi_andnot(VI a, int b) { return _mm256_andnot_si256(a, _mm256_set1_epi32(b)); }
inline VI vi_shl29(VI a) { return _mm256_slli_epi32(a, 29); }
inline M vi_zero_mask(VI a) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, _mm256_setzero_si256())); }
inline V v_xor_bits(V a, VI bits) { return {_mm256_castsi256_ps(_mm256_xor_si256(_mm256_castps_si256(a.v), bits))}; }
inline VI v_sign_bits(V a) { return _mm256_and_si256(_mm256_castps_si256(a.v), _mm256_set1_epi32(INT32_MIN)); }
inline V vfloor(V a) { return {_mm256_floor_ps(a.v)}; }
inline V vceil(V a) { return {_mm256_ceil_ps(a.v)}; }
#endif

// Shared part of sin and cos: |x| reduced to z in [-pi/4, pi/4] around the even octant j.
inline V trig_reduce(V ax, VI* octant) {
  VI j = vi_add(vi_cvt(ax * V::set1(1.27323954473516f)), 1);
  j = vi_and(j, ~1);
  const V y = vi_float(j);
  *octant = j;
  V z = fmadd(y, V::set1(-0.78515625f), ax);
  z = fmadd(y, V::set1(-2.4187564849853515625e-4f), z);
  return fmadd(y, V::set1(-3.77489497744594108e-8f), z);
}

// sin(z) where use_sin lanes are set, else cos(z), for z in [-pi/4, pi/4].
inline V trig_poly(V z, M use_sin) {
  const V zz = z * z;
  V c = V::set1(2.443315711809948e-5f);
  c = fmadd(c, zz, V::set1(-1.388731625493765e-3f));
  c = fmadd(c, zz, V::set1(4.166664568298827e-2f));
  c = fmadd(c * zz, zz, V::set1(1.0f) - V::set1(0.5f) * zz);
  V s = V::set1(-1.9515295891e-4f);
  s = fmadd(s, zz, V::set1(8.3321608736e-3f));
  s = fmadd(s, zz, V::set1(-1.6666654611e-1f));
  s = fmadd(s * zz, z, z);
  return select(use_sin, s, c);
}

inline V vsin(V x) {
  VI j;
  const V z = trig_reduce(vabs(x), &j);
  const V y = trig_poly(z, vi_zero_mask(vi_and(j, 2)));
  // Sign: the input's, flipped in octants 4..7.
  return v_xor_bits(v_xor_bits(y, v_sign_bits(x)), vi_shl29(vi_and(j, 4)));
}

inline V vcos(V x) {
  VI j;
  const V z = trig_reduce(vabs(x), &j);
  j = vi_add(j, -2);
  const V y = trig_poly(z, vi_zero_mask(vi_and(j, 2)));
  return v_xor_bits(y, vi_shl29(vi_andnot(j, 4)));
}

}  // namespace
}  // namespace kiln
