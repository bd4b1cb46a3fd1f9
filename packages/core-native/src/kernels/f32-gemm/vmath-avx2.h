// AVX2+FMA activation math for the f32 GEMM/conv epilogues. Include only from *__avx2.cc files.
// Same approximations as vmath-avx512.h; 2^n is built in the exponent bits (x clamped to
// [-87.3, 88.7], so results below ~1e-38 flush to that floor instead of denormals).
#pragma once

#if !defined(__AVX2__) || !defined(__FMA__)
#error "vmath-avx2.h needs AVX2 and FMA: include it only from *__avx2.cc files"
#endif

#include <immintrin.h>

#include "gemm.h"

namespace kiln::f32_gemm::avx2 {

static inline __m256 abs_ps(__m256 x) {
  return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x);
}

static inline __m256 copysign_ps(__m256 magnitude, __m256 sign_source) {
  return _mm256_or_ps(magnitude, _mm256_and_ps(sign_source, _mm256_set1_ps(-0.0f)));
}

static inline __m256 exp_ps(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.3f)), _mm256_set1_ps(88.7f));
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(kExpC5);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpC4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpC3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpC2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.0f));
  // n in [-126, 128]; split 2^n = 2^(n/2) * 2^(n - n/2) so n = 128 does not overflow the exponent.
  const __m256i ni = _mm256_cvtps_epi32(n);
  const __m256i half = _mm256_srai_epi32(ni, 1);
  const __m256i bias = _mm256_set1_epi32(127);
  const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
  const __m256 s2 = _mm256_castsi256_ps(
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(ni, half), bias), 23));
  return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

static inline __m256 sigmoid_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

// x * sigmoid(x) as x / (1 + e^-x): one division, no multiply.
static inline __m256 silu_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(x, _mm256_add_ps(one, exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x))));
}

static inline __m256 tanh_ps(__m256 x) {
  const __m256 ax = abs_ps(x);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 e = exp_ps(_mm256_add_ps(ax, ax));
  const __m256 big =
      _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(one, e)));
  const __m256 x2 = _mm256_mul_ps(ax, ax);
  __m256 p = _mm256_set1_ps(-929569.0f / 638512875.0f);
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(21844.0f / 6081075.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1382.0f / 155925.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(62.0f / 2835.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-17.0f / 315.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(2.0f / 15.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(-1.0f / 3.0f));
  p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.0f));
  const __m256 small = _mm256_mul_ps(ax, p);
  const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(0.5f), _CMP_LT_OQ);
  return copysign_ps(_mm256_blendv_ps(big, small, is_small), x);
}

static inline __m256 erf_ps(__m256 x) {
  const __m256 ax = abs_ps(x);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(one, _mm256_fmadd_ps(_mm256_set1_ps(0.3275911f), ax, one));
  __m256 p = _mm256_set1_ps(1.061405429f);
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-1.453152027f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(1.421413741f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(-0.284496736f));
  p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(0.254829592f));
  p = _mm256_mul_ps(p, t);
  const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(ax, ax)));
  return copysign_ps(_mm256_fnmadd_ps(p, e, one), x);
}

static inline __m256 activate(__m256 v, const Epilogue& e) {
  switch (e.activation) {
    case Activation::kNone: return v;
    case Activation::kRelu: return _mm256_max_ps(v, _mm256_setzero_ps());
    case Activation::kClip:
      return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(e.alpha)), _mm256_set1_ps(e.beta));
    case Activation::kLeakyRelu: {
      const __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
      return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(e.alpha)), negative);
    }
    case Activation::kSigmoid: return sigmoid_ps(v);
    case Activation::kTanh: return tanh_ps(v);
    case Activation::kSilu: return silu_ps(v);
    case Activation::kHardSwish: {
      __m256 g = _mm256_add_ps(v, _mm256_set1_ps(3.0f));
      g = _mm256_min_ps(_mm256_max_ps(g, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
      return _mm256_mul_ps(v, _mm256_mul_ps(g, _mm256_set1_ps(1.0f / 6.0f)));
    }
    case Activation::kGeluErf: {
      const __m256 y = erf_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.70710678118654752f)));
      return _mm256_mul_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.5f)),
                           _mm256_add_ps(y, _mm256_set1_ps(1.0f)));
    }
    case Activation::kGeluTanh: {
      const __m256 v3 = _mm256_mul_ps(_mm256_mul_ps(v, v), v);
      const __m256 u = _mm256_mul_ps(_mm256_fmadd_ps(v3, _mm256_set1_ps(0.044715f), v),
                                     _mm256_set1_ps(0.79788456080286536f));
      return _mm256_mul_ps(_mm256_mul_ps(v, _mm256_set1_ps(0.5f)),
                           _mm256_add_ps(tanh_ps(u), _mm256_set1_ps(1.0f)));
    }
  }
  return v;
}

// Calls fn(activation) once with a functor for e's activation: ReLU and Clip as a clamp inline,
// the others through activate (whose switch would otherwise run on every vector).
template <class Fn>
static inline void with_activation(const Epilogue& e, Fn&& fn) {
  switch (e.activation) {
    case Activation::kNone: return fn([](__m256 v) { return v; });
    case Activation::kRelu: return fn([](__m256 v) { return _mm256_max_ps(v, _mm256_setzero_ps()); });
    case Activation::kClip: {
      const __m256 lo = _mm256_set1_ps(e.alpha), hi = _mm256_set1_ps(e.beta);
      return fn([lo, hi](__m256 v) { return _mm256_min_ps(_mm256_max_ps(v, lo), hi); });
    }
    default: return fn([&e](__m256 v) { return activate(v, e); });
  }
}

// Lane mask for the first `count` (0..8) lanes, for maskload/maskstore.
static inline __m256i tail_mask(int64_t count) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)), lanes);
}

static inline void epilogue_row(float* c, int64_t n, const float* bias, const float* residual,
                                const Epilogue& e) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    __m256 v = _mm256_loadu_ps(c + j);
    if (e.scale != 1.0f) v = _mm256_mul_ps(v, _mm256_set1_ps(e.scale));
    if (bias != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(bias + j));
    if (residual != nullptr) v = _mm256_add_ps(v, _mm256_loadu_ps(residual + j));
    _mm256_storeu_ps(c + j, activate(v, e));
  }
  if (j < n) {
    const __m256i m = tail_mask(n - j);
    __m256 v = _mm256_maskload_ps(c + j, m);
    if (e.scale != 1.0f) v = _mm256_mul_ps(v, _mm256_set1_ps(e.scale));
    if (bias != nullptr) v = _mm256_add_ps(v, _mm256_maskload_ps(bias + j, m));
    if (residual != nullptr) v = _mm256_add_ps(v, _mm256_maskload_ps(residual + j, m));
    _mm256_maskstore_ps(c + j, m, activate(v, e));
  }
}

}  // namespace kiln::f32_gemm::avx2
