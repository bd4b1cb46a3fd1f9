// The fp32 activation of the AMX bf16 tiles' finish (AVX-512; include only from files built with
// the AVX-512 flags): f32-gemm's `activate`, except GELU (erf), which uses f32-gemm's erf
// (Abramowitz-Stegun 7.1.26, |error| <= 1.5e-7) without its three slow or lossy steps:
// - 1 / (1 + p z) is a 14-bit reciprocal and one Newton step (within an ulp of the division)
//   instead of a division (a 16-cycle vdivps per 16 values cost more than the tiles);
// - e^{-z^2} is only evaluated for z < 9 (h below is 0 past it, where it is under 2e-37): past
//   z = 9.3 it is subnormal, and products with subnormals took microcode assists (about 80 cycles
//   a vector of the old GELU on large pre-activations);
// - 1 + erf(z) for negative x is not formed (it cancelled to 0 below x = -5.5): see gelu_erf_16.
#pragma once

#include <immintrin.h>

#include "kernels/f32-gemm/vmath-avx512.h"

namespace kiln::lowp_gemm {

// GELU(x) = x (1 + erf(x / sqrt 2)) / 2 with erf(z) = sign(z) (1 - poly(t) e^{-z^2}): with
// h = poly(t) e^{-z^2} / 2 (the halved coefficients are exact), GELU is x (1 - h) for x >= 0 and
// x h below. NaN propagates through x; +inf gives +inf and -inf NaN, as f32-gemm's GELU.
inline __m512 gelu_erf_16(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 az = _mm512_abs_ps(_mm512_mul_ps(x, _mm512_set1_ps(0.70710678118654752f)));
  const __mmask16 small = _mm512_cmp_ps_mask(az, _mm512_set1_ps(9.0f), _CMP_LT_OQ);
  const __m512 z = _mm512_mask_mov_ps(_mm512_set1_ps(9.0f), small, az);
  const __m512 d = _mm512_fmadd_ps(_mm512_set1_ps(0.3275911f), z, one);
  __m512 t = _mm512_rcp14_ps(d);
  t = _mm512_fmadd_ps(t, _mm512_fnmadd_ps(d, t, one), t);
  __m512 p = _mm512_set1_ps(0.5f * 1.061405429f);
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.5f * -1.453152027f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.5f * 1.421413741f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.5f * -0.284496736f));
  p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(0.5f * 0.254829592f));
  p = _mm512_mul_ps(p, t);
  const __m512 e = f32_gemm::avx512::exp_ps(_mm512_fnmadd_ps(z, z, _mm512_setzero_ps()));
  const __m512 h = _mm512_maskz_mul_ps(small, p, e);
  const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_mul_ps(x, _mm512_mask_sub_ps(h, positive, one, h));
}

inline __m512 activate_16(__m512 v, const f32_gemm::Epilogue& e) {
  if (e.activation != f32_gemm::Activation::kGeluErf) return f32_gemm::avx512::activate(v, e);
  return gelu_erf_16(v);
}

}  // namespace kiln::lowp_gemm
