// AVX-512 rows of qu8_dwconv: the input row dequantized 16 values per step (vpmovzxbd, vpsubd,
// vcvtdq2ps, vmulps), then 64 channels (four FMA chains) of one output pixel per step over its
// valid taps; masked tails for C % 64.
#include <immintrin.h>

#include "dwconv.h"

namespace kiln::lowp_dwconv {
namespace {

__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// Bias, clamp, and the fp32 or uint8 store of 16 channels of one pixel. uint8: requantize_row_u8's
// arithmetic (clamp to [lo, hi], x * (1 / scale), round half even, + zero point, saturated) with
// the clamps folded into one pair of integer bounds, as lowp_gemm::prepare_requantize does (the
// scaling and rounding are monotone, so clamping before or after them gives the same bytes).
// Without a store the raw sums go to `out` for the driver's epilogue.
struct Finish {
  bool raw, u8;
  const float* bias;
  uint8_t* out_u8;
  __m512 lo, hi, inverse_scale, q_lo, q_hi;
  __m512i zero_point;

  explicit Finish(const RowStore* s) : raw(s == nullptr), u8(s != nullptr && s->out_u8 != nullptr) {
    bias = s != nullptr ? s->bias : nullptr;
    out_u8 = u8 ? s->out_u8 : nullptr;
    lo = _mm512_set1_ps(s != nullptr ? s->lo : 0.0f);
    hi = _mm512_set1_ps(s != nullptr ? s->hi : 0.0f);
    lowp_gemm::RowFinish folded{};
    if (u8) {
      folded.lo = s->lo, folded.hi = s->hi, folded.output = s->grid;
      lowp_gemm::prepare_requantize(&folded);
    }
    inverse_scale = _mm512_set1_ps(folded.inverse);
    q_lo = _mm512_set1_ps(folded.q_lo), q_hi = _mm512_set1_ps(folded.q_hi);
    zero_point = _mm512_set1_epi32(u8 ? s->grid.zero_point : 0);
  }

  // offset: pixel * C + c0 within the row.
  inline void operator()(__m512 acc, __mmask16 m, int64_t c0, int64_t offset, float* out) const {
    if (raw) {
      _mm512_mask_storeu_ps(out + offset, m, acc);
      return;
    }
    if (bias != nullptr) acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(m, bias + c0));
    if (!u8) {
      _mm512_mask_storeu_ps(out + offset, m, _mm512_min_ps(_mm512_max_ps(acc, lo), hi));
      return;
    }
    const __m512 v = _mm512_min_ps(_mm512_max_ps(_mm512_mul_ps(acc, inverse_scale), q_lo), q_hi);
    const __m512i q = _mm512_add_epi32(_mm512_cvt_roundps_epi32(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC), zero_point);
    _mm_mask_storeu_epi8(out_u8 + offset, m, _mm512_cvtepi32_epi8(q));
  }
};

}  // namespace

void dequant_row__avx512(const uint8_t* x, int64_t count, lowp_gemm::Quantization grid, float* y) {
  const __m512i zero_point = _mm512_set1_epi32(grid.zero_point);
  const __m512 scale = _mm512_set1_ps(grid.scale);
  for (int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = tail_mask(count - i);
    const __m512i wide = _mm512_sub_epi32(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, x + i)), zero_point);
    _mm512_mask_storeu_ps(y + i, m, _mm512_mul_ps(_mm512_cvtepi32_ps(wide), scale));
  }
}

namespace {

// 3x3 kernels: 16 channels per step with the nine weight vectors in registers, eight output
// pixels at a time (eight independent FMA chains) where all three columns are inside the image.
void row_3x3(const ConvShape& s, const float* weights, const float* const* rows, const Finish& finish, float* out) {
  const int64_t c_count = s.in_c, ow_count = s.out_w(), sw = s.stride_w, dw = s.dilation_w;
  const __m512 zero = _mm512_setzero_ps();
  // Pixels [ow_lo, ow_hi) have all three columns inside the image.
  int64_t ow_lo = 0;
  while (ow_lo < ow_count && ow_lo * sw - s.pad_left < 0) ++ow_lo;
  int64_t ow_hi = ow_lo;
  while (ow_hi < ow_count && ow_hi * sw - s.pad_left + 2 * dw < s.in_w) ++ow_hi;
  for (int64_t c0 = 0; c0 < c_count; c0 += 16) {
    const __mmask16 m = tail_mask(c_count - c0);
    __m512 w[9];
    for (int t = 0; t < 9; ++t) w[t] = _mm512_maskz_loadu_ps(m, weights + t * c_count + c0);
    auto edge_pixel = [&](int64_t ow) {
      __m512 acc = zero;
      const int64_t iw0 = ow * sw - s.pad_left;
      for (int kh = 0; kh < 3; ++kh) {
        if (rows[kh] == nullptr) continue;
        for (int kw = 0; kw < 3; ++kw) {
          const int64_t iw = iw0 + kw * dw;
          if (iw < 0 || iw >= s.in_w) continue;
          acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, rows[kh] + iw * c_count + c0), w[kh * 3 + kw], acc);
        }
      }
      finish(acc, m, c0, ow * c_count + c0, out);
    };
    for (int64_t ow = 0; ow < ow_lo; ++ow) edge_pixel(ow);
    int64_t ow = ow_lo;
    for (; ow + 8 <= ow_hi; ow += 8) {
      __m512 acc[8];
      for (int i = 0; i < 8; ++i) acc[i] = zero;
      for (int kh = 0; kh < 3; ++kh) {
        if (rows[kh] == nullptr) continue;
        const float* base = rows[kh] + (ow * sw - s.pad_left) * c_count + c0;
        for (int kw = 0; kw < 3; ++kw) {
          const float* x = base + kw * dw * c_count;
#pragma GCC unroll 8
          for (int i = 0; i < 8; ++i) acc[i] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + i * sw * c_count), w[kh * 3 + kw], acc[i]);
        }
      }
      for (int i = 0; i < 8; ++i) finish(acc[i], m, c0, (ow + i) * c_count + c0, out);
    }
    for (; ow < ow_count; ++ow) edge_pixel(ow);
  }
}
}  // namespace

void dw_row__avx512(const ConvShape& s, const float* weights, const float* const* rows, const RowStore* store,
                    float* out) {
  const Finish finish(store);
  if (s.kernel_h == 3 && s.kernel_w == 3) {
    row_3x3(s, weights, rows, finish, out);
    return;
  }
  const int64_t c_count = s.in_c;
  for (int64_t ow = 0; ow < s.out_w(); ++ow) {
    const int64_t iw0 = ow * s.stride_w - s.pad_left;
    int64_t kw_lo = 0, kw_hi = 0;
    for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
      const int64_t iw = iw0 + kw * s.dilation_w;
      if (iw < 0) kw_lo = kw + 1;
      if (iw < s.in_w) kw_hi = kw + 1;
    }
    for (int64_t c0 = 0; c0 < c_count; c0 += 64) {
      const __mmask16 m0 = tail_mask(c_count - c0), m1 = tail_mask(c_count - c0 - 16);
      const __mmask16 m2 = tail_mask(c_count - c0 - 32), m3 = tail_mask(c_count - c0 - 48);
      __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
      for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
        if (rows[kh] == nullptr) continue;
        for (int64_t kw = kw_lo; kw < kw_hi; ++kw) {
          const float* x = rows[kh] + (iw0 + kw * s.dilation_w) * c_count + c0;
          const float* w = weights + (kh * s.kernel_w + kw) * c_count + c0;
          a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m0, x), _mm512_maskz_loadu_ps(m0, w), a0);
          a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m1, x + 16), _mm512_maskz_loadu_ps(m1, w + 16), a1);
          a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m2, x + 32), _mm512_maskz_loadu_ps(m2, w + 32), a2);
          a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m3, x + 48), _mm512_maskz_loadu_ps(m3, w + 48), a3);
        }
      }
      const int64_t at = ow * c_count + c0;
      finish(a0, m0, c0, at, out);
      if (m1 != 0) finish(a1, m1, c0 + 16, at + 16, out);
      if (m2 != 0) finish(a2, m2, c0 + 32, at + 32, out);
      if (m3 != 0) finish(a3, m3, c0 + 48, at + 48, out);
    }
  }
}

}  // namespace kiln::lowp_dwconv
