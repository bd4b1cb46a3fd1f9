// AVX-512 activation math for the f32 GEMM/conv epilogues. Include only from *__avx512*.cc files.
// exp: Cody-Waite range reduction + the degree-5 polynomial of gemm.h (kExpC*; the degree-7 Taylor
// series it replaced cost two more FMAs for accuracy a float result does not keep), scaled with
// scalef. tanh: odd Taylor series to x^15 for |x| < 0.5, 1 - 2/(1+e^{2|x|}) above.
// GELU (erf): Abramowitz-Stegun 7.1.26 (|error| <= 1.5e-7 absolute), see gelu_erf_ps.
#pragma once

#if !defined(__AVX512F__)
#error "vmath-avx512.h needs AVX-512F: include it only from *__avx512*.cc files"
#endif

#include <immintrin.h>

#include <type_traits>

#include "gemm.h"

namespace kiln::f32_gemm::avx512 {

static inline __m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.7f));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(kExpC5);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kExpC2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
  return _mm512_scalef_ps(p, n);
}

static inline __m512 sigmoid_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(one, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

static inline __m512 hard_swish_ps(__m512 x) {
  __m512 g = _mm512_add_ps(x, _mm512_set1_ps(3.0f));
  g = _mm512_min_ps(_mm512_max_ps(g, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
  return _mm512_mul_ps(x, _mm512_mul_ps(g, _mm512_set1_ps(1.0f / 6.0f)));
}

// x * sigmoid(x) as x / (1 + e^-x): one division, no multiply.
static inline __m512 silu_ps(__m512 x) {
  const __m512 one = _mm512_set1_ps(1.0f);
  return _mm512_div_ps(x, _mm512_add_ps(one, exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), x))));
}

static inline __m512 tanh_ps(__m512 x) {
  const __m512 ax = _mm512_abs_ps(x);
  // Large branch: 1 - 2 / (1 + e^{2|x|}), sign restored below.
  const __m512 one = _mm512_set1_ps(1.0f);
  const __m512 e = exp_ps(_mm512_add_ps(ax, ax));
  __m512 big = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(one, e)));
  // Small branch: odd Taylor series.
  const __m512 x2 = _mm512_mul_ps(ax, ax);
  __m512 p = _mm512_set1_ps(-929569.0f / 638512875.0f);
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(21844.0f / 6081075.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1382.0f / 155925.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(62.0f / 2835.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-17.0f / 315.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(2.0f / 15.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(-1.0f / 3.0f));
  p = _mm512_fmadd_ps(p, x2, _mm512_set1_ps(1.0f));
  // p now holds 1 - x^2/3 + 2x^4/15 - ... ; tanh(|x|) ~= |x| * p
  const __m512 small = _mm512_mul_ps(ax, p);
  const __mmask16 is_small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(0.5f), _CMP_LT_OQ);
  big = _mm512_mask_mov_ps(big, is_small, small);
  // copy the sign of x
  const __m512i sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(INT32_MIN));
  return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(big), sign));
}

// GELU(x) = x (1 + erf(x / sqrt 2)) / 2 with erf(z) = sign(z) (1 - poly(t) e^{-z^2}),
// Abramowitz-Stegun 7.1.26 (|error| <= 1.5e-7), t = 1 / (1 + p z). With h = poly(t) e^{-z^2} / 2
// (the halved coefficients are exact), GELU is x (1 - h) for x >= 0 and x h below. Three steps
// that were slow or lossy are avoided:
// - t is a 14-bit reciprocal and one Newton step (within an ulp of the division) instead of a
//   division (a 16-cycle vdivps per 16 values cost more than a GEMM tile's arithmetic);
// - e^{-z^2} is only evaluated for z < 9 (h is 0 past it, where it is under 2e-37): past
//   z = 9.3 it is subnormal, and products with subnormals took microcode assists (about 80
//   cycles a vector on large pre-activations);
// - 1 + erf(z) is not formed for negative x (it cancelled to 0 below x = -5.5).
// NaN propagates through x; +inf gives +inf and -inf NaN.
static inline __m512 gelu_erf_ps(__m512 x) {
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
  const __m512 e = exp_ps(_mm512_fnmadd_ps(z, z, _mm512_setzero_ps()));
  const __m512 h = _mm512_maskz_mul_ps(small, p, e);
  const __mmask16 positive = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_GE_OQ);
  return _mm512_mul_ps(x, _mm512_mask_sub_ps(h, positive, one, h));
}

// The activation with its kind known at compile time: the loops below switch once per call, not
// once per vector.
template <Activation A>
static inline __m512 activate_as(__m512 v, const Epilogue& e) {
  if constexpr (A == Activation::kRelu) return _mm512_max_ps(v, _mm512_setzero_ps());
  if constexpr (A == Activation::kClip) {
    return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(e.alpha)), _mm512_set1_ps(e.beta));
  }
  if constexpr (A == Activation::kLeakyRelu) {
    const __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mul_ps(v, negative, v, _mm512_set1_ps(e.alpha));
  }
  if constexpr (A == Activation::kSigmoid) return sigmoid_ps(v);
  if constexpr (A == Activation::kTanh) return tanh_ps(v);
  if constexpr (A == Activation::kSilu) return silu_ps(v);
  if constexpr (A == Activation::kHardSwish) return hard_swish_ps(v);
  if constexpr (A == Activation::kGeluErf) return gelu_erf_ps(v);
  if constexpr (A == Activation::kGeluTanh) {
    const __m512 v3 = _mm512_mul_ps(_mm512_mul_ps(v, v), v);
    const __m512 u = _mm512_mul_ps(_mm512_fmadd_ps(v3, _mm512_set1_ps(0.044715f), v),
                                   _mm512_set1_ps(0.79788456080286536f));
    return _mm512_mul_ps(_mm512_mul_ps(v, _mm512_set1_ps(0.5f)),
                         _mm512_add_ps(tanh_ps(u), _mm512_set1_ps(1.0f)));
  }
  (void)e;
  return v;
}

// Calls f(std::integral_constant<Activation, a>) for the runtime activation a.
template <class F>
static inline void with_activation(Activation a, F&& f) {
  using A = Activation;
  switch (a) {
    case A::kNone: return f(std::integral_constant<A, A::kNone>{});
    case A::kRelu: return f(std::integral_constant<A, A::kRelu>{});
    case A::kClip: return f(std::integral_constant<A, A::kClip>{});
    case A::kLeakyRelu: return f(std::integral_constant<A, A::kLeakyRelu>{});
    case A::kSigmoid: return f(std::integral_constant<A, A::kSigmoid>{});
    case A::kTanh: return f(std::integral_constant<A, A::kTanh>{});
    case A::kSilu: return f(std::integral_constant<A, A::kSilu>{});
    case A::kHardSwish: return f(std::integral_constant<A, A::kHardSwish>{});
    case A::kGeluErf: return f(std::integral_constant<A, A::kGeluErf>{});
    case A::kGeluTanh: return f(std::integral_constant<A, A::kGeluTanh>{});
  }
}

static inline __m512 activate(__m512 v, const Epilogue& e) {
  __m512 out = v;
  with_activation(e.activation, [&](auto a) { out = activate_as<decltype(a)::value>(v, e); });
  return out;
}

// c[0:n] = act(c + bias + residual) with masked tails.
template <Activation A>
static inline void epilogue_row_as(float* c, int64_t n, const float* bias, const float* residual,
                                   const Epilogue& e) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = n - j >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (n - j)) - 1);
    __m512 v = _mm512_maskz_loadu_ps(m, c + j);
    if (e.scale != 1.0f) v = _mm512_mul_ps(v, _mm512_set1_ps(e.scale));
    if (bias != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + j));
    if (residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual + j));
    _mm512_mask_storeu_ps(c + j, m, activate_as<A>(v, e));
  }
}

static inline void epilogue_row(float* c, int64_t n, const float* bias, const float* residual,
                                const Epilogue& e) {
  with_activation(e.activation, [&](auto a) { epilogue_row_as<decltype(a)::value>(c, n, bias, residual, e); });
}

}  // namespace kiln::f32_gemm::avx512
