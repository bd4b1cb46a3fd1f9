// The qu8 epilogue of 16 columns in registers (AVX-512; include only from files built with the
// AVX-512 flags): dequantize int32 sums (acc * scale + offset), + residual, then either the
// activation (other than ReLU and Clip: f32-gemm's `activate`, as the unfused epilogue row
// applies it after the residual), then the ReLU/Clip clamp and a fp32 store, or the uint8
// requantize. Bit-identical to the scalar
// arithmetic (clamp to [lo, hi], x * (1 / scale), round half even, + zero point, saturate to
// [0, 255]) in fewer steps: the clamp commutes with the monotone scaling and rounding, so
// [lo, hi] and [0, 255] fold into one pair of integer bounds applied before the conversion.
#pragma once

#include <immintrin.h>

#include "kernels/f32-gemm/vmath-avx512.h"
#include "lowp.h"

namespace kiln::lowp_gemm {

struct FinishVectors {
  __m512 lo, hi;               // fp32 output: the activation clamp
  __m512 inverse;              // uint8 output: 1 / scale
  __m512 q_lo, q_hi;           // uint8 output: the saturation bounds minus the zero point (integers)
  __m512i zero_point;          // uint8 output
  __m512i residual_zero;       // uint8 residual grid
  __m512 residual_scale;
  const Epilogue* activation;  // RowFinish::activation

  // f: prepare_requantize'd when the output is uint8.
  explicit FinishVectors(const RowFinish& f) {
    lo = _mm512_set1_ps(f.lo), hi = _mm512_set1_ps(f.hi);
    inverse = _mm512_set1_ps(f.inverse);
    q_lo = _mm512_set1_ps(f.q_lo), q_hi = _mm512_set1_ps(f.q_hi);
    zero_point = _mm512_set1_epi32(f.output.zero_point);
    residual_zero = _mm512_set1_epi32(f.residual_grid.zero_point);
    residual_scale = _mm512_set1_ps(f.residual_grid.scale);
    activation = f.activation;
  }
};

inline __mmask16 finish_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// Out of line and marked unlikely: inlined, the activation switch put every kind's code into each
// of a tile's 28 finishes, and int8 mobilenet_v2's fused 1x1 tiles (ReLU6, which never calls
// this) ran 15-20% slower.
__attribute__((noinline)) static __m512 activate_16(__m512 v, const Epilogue& epilogue) {
  return f32_gemm::avx512::activate(v, epilogue);
}

// activation(acc * scale + offset (+ residual, fp32 or uint8)), for 16 columns under mask m
// (the residual's columns past m read as 0), with the columns' scale and offset in registers.
inline __m512 dequantize_16(__m512i acc, __mmask16 m, __m512 scale, __m512 offset, const float* residual,
                            const uint8_t* residual_u8, const FinishVectors& f) {
  __m512 v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), scale, offset);
  if (residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual));
  if (residual_u8 != nullptr) {
    const __m512i r = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, residual_u8)), f.residual_zero);
    v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(r), f.residual_scale, v);
  }
  if (__builtin_expect(f.activation != nullptr, 0)) v = activate_16(v, *f.activation);
  return v;
}

// The same with scale and offset read from memory (columns past m as 0).
inline __m512 dequantize_16(__m512i acc, __mmask16 m, const float* scale, const float* offset, const float* residual,
                            const uint8_t* residual_u8, const FinishVectors& f) {
  return dequantize_16(acc, m, _mm512_maskz_loadu_ps(m, scale), _mm512_maskz_loadu_ps(m, offset), residual,
                       residual_u8, f);
}

// The uint8 requantize of 16 dequantized values (max(NaN, q_lo) is q_lo: NaN maps to the low bound).
inline __m128i requantize_16(__m512 v, const FinishVectors& f) {
  v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(v, f.inverse), f.q_lo), f.q_hi);
  const __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), f.zero_point);
  return _mm512_cvtepi32_epi8(q);
}

// requantize_16 for 64 values at once (four vectors of 16), the same bytes in fewer steps: the
// products are capped at 2^30 (rne of anything above saturates to 255 anyway; the cap keeps the
// int32 conversion from overflowing, while a NaN still converts to INT_MIN, i.e. the low bound),
// converted, packed to int16 and then uint8 with saturation (+ the zero point in between, also
// saturating), then clamped to [q_lo, q_hi] + zero point as bytes: clamp(rne(x) + z, 0, 255)
// clamped again to the integer bounds is clamp(rne(x) + z, q_lo + z, q_hi + z), as in
// requantize_16. The packs work within 128-bit lanes; one dword permute restores the order.
struct RequantizeVectors {
  __m512 inverse, ceiling;
  __m512i zero_point16, lo8, hi8, order;
  explicit RequantizeVectors(const RowFinish& f) {
    inverse = _mm512_set1_ps(f.inverse);
    ceiling = _mm512_set1_ps(0x1p30f);
    zero_point16 = _mm512_set1_epi16(static_cast<int16_t>(f.output.zero_point));
    lo8 = _mm512_set1_epi8(static_cast<char>(static_cast<int>(f.q_lo) + f.output.zero_point));
    hi8 = _mm512_set1_epi8(static_cast<char>(static_cast<int>(f.q_hi) + f.output.zero_point));
    // Lane l of the packed bytes holds values 4l..4l+3 of v0, then of v1, v2, v3: output dword j
    // (vector j / 4, lane j % 4) is packed dword 4 (j % 4) + j / 4.
    order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  }
};

inline __m512i rne_capped(__m512 v, const RequantizeVectors& r) {
  return _mm512_cvt_roundps_epi32(_mm512_min_ps(r.ceiling, _mm512_mul_ps(v, r.inverse)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

// Bytes 16 j .. 16 j + 15 are requantize_16(vj).
inline __m512i requantize_64(__m512 v0, __m512 v1, __m512 v2, __m512 v3, const RequantizeVectors& r) {
  const __m512i low = _mm512_adds_epi16(_mm512_packs_epi32(rne_capped(v0, r), rne_capped(v1, r)), r.zero_point16);
  const __m512i high = _mm512_adds_epi16(_mm512_packs_epi32(rne_capped(v2, r), rne_capped(v3, r)), r.zero_point16);
  const __m512i bytes = _mm512_min_epu8(_mm512_max_epu8(_mm512_packus_epi16(low, high), r.lo8), r.hi8);
  return _mm512_permutexvar_epi32(r.order, bytes);
}

inline void store_16(__m512 v, __mmask16 m, const FinishVectors& f, float* out, uint8_t* out_u8) {
  if (out_u8 != nullptr) {
    _mm_mask_storeu_epi8(out_u8, m, requantize_16(v, f));
  } else {
    _mm512_mask_storeu_ps(out, m, _mm512_min_ps(_mm512_max_ps(v, f.lo), f.hi));
  }
}

// Quantizes 16 fp32 values to uint8, q = clamp(rne(x / scale) + zero_point, 0, 255), bit-identical
// to the division (quantize_u8) without one: y = x * r with r = RN(1 / scale), then two Newton
// corrections y += r * (x - y * scale) (fma), which give RN(x / scale) for quotients between
// 1e-20 and 2^20 (smaller ones round to the integer 0, larger ones saturate, and the plain
// product is kept for them). Scales far from 1 (reciprocal near overflow) keep the division.
struct QuantizeVectors {
  __m512 scale, reciprocal, zero_point;
  bool divide;
  explicit QuantizeVectors(const Quantization& q) {
    scale = _mm512_set1_ps(q.scale), reciprocal = _mm512_set1_ps(1.0f / q.scale);
    zero_point = _mm512_set1_ps(static_cast<float>(q.zero_point));
    divide = !(q.scale >= 0x1p-60f && q.scale <= 0x1p60f);
  }
};

inline __m128i quantize_16(__m512 x, const QuantizeVectors& q) {
  __m512 v;
  if (q.divide) {
    v = _mm512_div_ps(x, q.scale);
  } else {
    const __m512 y = _mm512_mul_ps(x, q.reciprocal);
    __m512 refined = _mm512_fmadd_ps(_mm512_fnmadd_ps(y, q.scale, x), q.reciprocal, y);
    refined = _mm512_fmadd_ps(_mm512_fnmadd_ps(refined, q.scale, x), q.reciprocal, refined);
    const __mmask16 moderate = _mm512_cmp_ps_mask(_mm512_abs_ps(y), _mm512_set1_ps(0x1p20f), _CMP_LT_OQ);
    v = _mm512_mask_mov_ps(y, moderate, refined);  // NaN and huge quotients keep the product
  }
  v = _mm512_add_ps(_mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), q.zero_point);
  v = _mm512_min_ps(_mm512_max_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(255.0f));  // NaN -> 0
  return _mm512_cvtusepi32_epi8(_mm512_cvtps_epi32(v));
}

}  // namespace kiln::lowp_gemm
