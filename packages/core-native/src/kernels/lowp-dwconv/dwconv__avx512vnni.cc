// AVX-512 VNNI rows of qu8_dwconv: quad rows built 16 channels per step (four zero-extended byte
// loads merged into the four bytes of each int32 lane), then one vpdpbusd per (output pixel, 16
// channels, tap row, group of four kernel columns) with the weight quads held in registers, eight
// output pixels per step, and the finish (int32 -> fp32, scale and bias in one FMA, clamp,
// requantize) in registers.
#include <immintrin.h>

#include "dwconv.h"

namespace kiln::lowp_dwconv {
namespace {

__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// RowStore's finish of 16 channels of one pixel: fp32, or uint8 (the multiplier and offset carry
// the requantize, the bounds the clamps and [0, 255]).
struct Finish {
  float* out;
  uint8_t* out_u8;
  __m512 lo, hi;

  explicit Finish(const RowStore& s) : out(s.out), out_u8(s.out_u8) {
    lo = _mm512_set1_ps(s.lo), hi = _mm512_set1_ps(s.hi);
  }

  // offset: pixel * C + c0 within the row.
  inline void operator()(__m512i acc, __m512 multiplier, __m512 bias, __mmask16 m, int64_t offset) const {
    const __m512 y = _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(acc), multiplier, bias), lo), hi);
    if (out_u8 == nullptr) {
      _mm512_mask_storeu_ps(out + offset, m, y);
      return;
    }
    const __m512i q = _mm512_cvt_roundps_epi32(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_mask_storeu_epi8(out_u8 + offset, m, _mm512_cvtepi32_epi8(q));
  }
};

// 16 channels of one output row: kTaps = kernel_h * groups weight quads in registers (kTaps 0:
// any count, read from memory).
template <int kTaps>
void row_block(const ConvShape& s, const int8_t* weights, const RowInput& input, const Finish& finish,
               __m512i start, __m512 multiplier, __m512 bias, int64_t c0, __mmask16 m) {
  const int64_t padded_c = padded_channels(s), groups = tap_groups(s), ow_count = s.out_w();
  const int64_t taps = kTaps > 0 ? kTaps : s.kernel_h * groups;
  const int64_t pixel_quads = s.stride_w / input.step;
  const int64_t group_quads = 4 * s.dilation_w / input.step;
  const int64_t c_count = s.in_c;
  __m512i w[kTaps > 0 ? kTaps : 1];
  if (kTaps > 0) {
    for (int t = 0; t < kTaps; ++t) w[t] = _mm512_loadu_si512(weights + (t * padded_c + c0) * 4);
  }
  auto tap_weights = [&](int64_t t) {
    return kTaps > 0 ? w[t] : _mm512_loadu_si512(weights + (t * padded_c + c0) * 4);
  };
  auto tap_base = [&](int64_t t) {
    const int64_t kh = t / groups, g = t % groups;
    return input.quads[kh] + quad_at(input.count, g * group_quads, c0);
  };
  int64_t ow = 0;
  for (; ow + 8 <= ow_count; ow += 8) {
    __m512i acc[8];
    for (int i = 0; i < 8; ++i) acc[i] = start;
    for (int64_t t = 0; t < taps; ++t) {
      const uint8_t* x = tap_base(t) + ow * pixel_quads * 64;
      const __m512i wt = tap_weights(t);
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) acc[i] = _mm512_dpbusd_epi32(acc[i], _mm512_loadu_si512(x + i * pixel_quads * 64), wt);
    }
    for (int i = 0; i < 8; ++i) finish(acc[i], multiplier, bias, m, (ow + i) * c_count + c0);
  }
  for (; ow < ow_count; ++ow) {
    __m512i acc = start;
    for (int64_t t = 0; t < taps; ++t) {
      acc = _mm512_dpbusd_epi32(acc, _mm512_loadu_si512(tap_base(t) + ow * pixel_quads * 64), tap_weights(t));
    }
    finish(acc, multiplier, bias, m, ow * c_count + c0);
  }
}

}  // namespace

// Quads one after another overlap where step is one or two dilations: quad q is then quad q - 1
// shifted down by one or two bytes per lane with the new bytes on top (one or two loads per 16
// channels instead of four).
void quad_row__avx512vnni(const uint8_t* padded, int64_t count, int64_t step, int64_t dilation, int64_t c_count,
                          int64_t c_begin, int64_t c_end, uint8_t* quads) {
  const int64_t d = dilation * c_count;
  const int64_t shift = step % dilation == 0 ? step / dilation : 0;  // quads between overlapping ones
  for (int64_t c0 = c_begin; c0 < c_end; c0 += 16) {
    const __mmask16 m = tail_mask(c_count - c0);
    auto bytes = [&](const uint8_t* at) { return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, at + c0)); };
    __m512i r = _mm512_setzero_si512();
    for (int64_t q = 0; q < count; ++q) {
      const uint8_t* e = padded + q * step * c_count;
      if (q > 0 && shift == 1) {
        r = _mm512_or_si512(_mm512_srli_epi32(r, 8), _mm512_slli_epi32(bytes(e + 3 * d), 24));
      } else if (q > 0 && shift == 2) {
        // (r >> 16) | b2 << 16 | b3 << 24 (0xFE: a | b | c).
        r = _mm512_ternarylogic_epi32(_mm512_srli_epi32(r, 16), _mm512_slli_epi32(bytes(e + 2 * d), 16),
                                      _mm512_slli_epi32(bytes(e + 3 * d), 24), 0xFE);
      } else {
        const __m512i low = _mm512_ternarylogic_epi32(bytes(e), _mm512_slli_epi32(bytes(e + d), 8),
                                                      _mm512_slli_epi32(bytes(e + 2 * d), 16), 0xFE);
        r = _mm512_or_si512(low, _mm512_slli_epi32(bytes(e + 3 * d), 24));
      }
      _mm512_storeu_si512(quads + quad_at(count, q, c0), r);
    }
  }
}

void dw_row__avx512vnni(const ConvShape& s, const int8_t* weights, const RowInput& input, const int32_t* zx_sum,
                        const RowStore& store) {
  const Finish finish(store);
  const int64_t taps = s.kernel_h * tap_groups(s);
  for (int64_t c0 = input.c_begin; c0 < input.c_end; c0 += 16) {
    const __mmask16 m = tail_mask(s.in_c - c0);
    const __m512i start = _mm512_loadu_si512(zx_sum + c0);
    const __m512 multiplier = _mm512_loadu_ps(store.multiplier + c0), bias = _mm512_loadu_ps(store.offset + c0);
    if (taps == 3) {
      row_block<3>(s, weights, input, finish, start, multiplier, bias, c0, m);
    } else if (taps == 10) {
      row_block<10>(s, weights, input, finish, start, multiplier, bias, c0, m);
    } else {
      row_block<0>(s, weights, input, finish, start, multiplier, bias, c0, m);
    }
  }
}

}  // namespace kiln::lowp_dwconv
