// The fp32 activation of the AMX bf16 tiles' finish (AVX-512; include only from files built with
// the AVX-512 flags): f32-gemm's `activate`, except GELU (erf), whose erf is f32-gemm's
// Abramowitz-Stegun 7.1.26 evaluated without its two slow steps:
// - 1 / (1 + p |x|) is a 14-bit reciprocal and one Newton step (within an ulp of the division)
//   instead of a division (a 16-cycle vdivps per 16 values cost more than the tiles);
// - |x| is capped at 4, where 1 - poly(t) e^{-x^2} already rounds to 1 (poly(t(4)) e^{-16} is
//   1.5e-8, below half an ulp of 1): past about 9.3, e^{-x^2} is subnormal, and the products
//   with subnormals took microcode assists (about 80 cycles a vector on large pre-activations).
// The result is f32-gemm's GELU to within an ulp of t, far inside the approximation's 1.5e-7.
#pragma once

#include <immintrin.h>

#include "kernels/f32-gemm/vmath-avx512.h"

namespace kiln::lowp_gemm {

inline __m512 erf_16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  // min(4, NaN) is NaN (the second operand is returned when either is NaN): NaN propagates.
  const __m512 ax = _mm512_min_ps(_mm512_set1_ps(4.0f), _mm512_abs_ps(x));
  const __m512 d = _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), ax, one);
  __m512 t = _mm512_rcp14_ps(d);
  t = _mm512_fmadd_ps(t, _mm512_fnmadd_ps(d, t, one), t);
  __m512 p = _mm512_set1_ps(1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(-0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 e = f32_gemm::avx512::exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(ax, ax)));
  const __m512 y = _mm512_fnmadd_ps(p, e, one);
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign));
}

inline __m512 activate_16(__m512 v, const f32_gemm::Epilogue& e) {
  if (e.activation != f32_gemm::Activation::kGeluErf) return f32_gemm::avx512::activate(v, e);
  const __m512 y = erf_16(_mm512_mul_ps(v, _mm512_set1_ps(0.70710678118654752f)));
  return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.5f)), _mm512_add_ps(y, _mm512_set1_ps(1.0f)));
}

}  // namespace kiln::lowp_gemm
