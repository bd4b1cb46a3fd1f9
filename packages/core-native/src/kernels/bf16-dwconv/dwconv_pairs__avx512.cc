// AVX-512 bf16_dwconv 3x3 row for bf16 in and out (no residual, no column dilation): 32 channels per
// step as even/odd channel pairs. One 32-bit load holds channels (2i, 2i + 1) as two bf16s: the odd
// one is already an fp32 in the upper half (a mask), the even one is a shift away, so widening
// costs one instruction per 16 values instead of two, and each input pixel of a kernel row is
// widened once for the four interior output pixels that read it. Weights and bias are split into
// even/odd lanes once per channel block; the two bf16 results are merged back with one mask-or.
// Each lane's arithmetic is the scalar reference's (bias, FMAs in (kh, kw) order, activation,
// float_to_bf16 rounding), so the bytes are identical.
#include <immintrin.h>

#include <algorithm>
#include <cassert>

#include "dwconv.h"
#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-gemm/vmath-avx512.h"
#include "kernels/lowp-gemm/bf16_avx512.h"

namespace kiln::bf16_dwconv {
namespace {

// The float_to_bf16 bits of each lane (in the low 16 bits of a dword).
inline __m512i round_bits(__m512 x) {
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i upper = _mm512_srli_epi32(bits, 16);
  const __m512i bias = _mm512_add_epi32(_mm512_and_si512(upper, _mm512_set1_epi32(1)), _mm512_set1_epi32(0x7FFF));
  const __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, bias), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  return _mm512_mask_or_epi32(rounded, nan, upper, _mm512_set1_epi32(0x40));
}

struct Pair {
  __m512 even, odd;
};

// bf16 channels c0 .. c0 + 31 at p (m: the valid ones; the rest read as 0) as (even, odd) fp32 vectors.
inline Pair load_pairs(__mmask32 m, const uint16_t* p) {
  const __m512i d = _mm512_maskz_loadu_epi16(m, p);
  return {_mm512_castsi512_ps(_mm512_slli_epi32(d, 16)),
          _mm512_castsi512_ps(_mm512_and_si512(d, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))))};
}

// fp32 values c0 .. c0 + 31 (channels past `left` read as 0) split into even and odd lanes.
inline Pair split(const float* p, int64_t left) {
  const __m512 lo = _mm512_maskz_loadu_ps(lowp_gemm::lanes_16(left), p);
  const __m512 hi = _mm512_maskz_loadu_ps(lowp_gemm::lanes_16(left - 16), p + 16);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  return {_mm512_permutex2var_ps(lo, even, hi), _mm512_permutex2var_ps(lo, odd, hi)};
}

// One kernel row of four interior output pixels at stride S: input pixel q feeds pixel j through
// tap kw = q - j * S, and q ascending keeps kw ascending for every pixel (the reference's order).
template <int S>
inline void four_pixels(const uint16_t* in_row, int64_t channels, __mmask32 m, const Pair* w, Pair* acc) {
#pragma GCC unroll 9
  for (int q = 0; q < 3 * S + 3; ++q) {
    const Pair x = load_pairs(m, in_row + q * channels);
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
      const int kw = q - j * S;
      if (kw < 0 || kw > 2) continue;
      acc[j].even = _mm512_fmadd_ps(x.even, w[kw].even, acc[j].even);
      acc[j].odd = _mm512_fmadd_ps(x.odd, w[kw].odd, acc[j].odd);
    }
  }
}

}  // namespace

bool pairs_apply(const RowArgs& r) {
  return r.input_bf16 && r.output_bf16 && r.residual == nullptr && r.shape->dilation_w == 1 &&
         r.shape->kernel_h == 3 && r.shape->kernel_w == 3;
}

void bf16_dwconv_3x3_pairs__avx512(const RowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(pairs_apply(r) && s.groups == s.in_c && s.out_c == s.in_c);
  const uint16_t* input = static_cast<const uint16_t*>(r.input);
  uint16_t* output = static_cast<uint16_t*>(r.output);
  const int64_t channels = s.in_c, cpad = f32_conv::dw_padded_channels(channels), ow_count = s.out_w();
  int64_t interior_begin, interior_end;
  f32_conv::dw_interior(s, &interior_begin, &interior_end);
  const int64_t ih0 = r.oh * s.stride_h - s.pad_top;
  const Epilogue& e = *r.epilogue;
  for (int64_t c0 = 0; c0 < channels; c0 += 32) {
    const int64_t left = channels - c0;
    const __mmask32 m = left >= 32 ? ~__mmask32(0) : (__mmask32(1) << left) - 1;
    Pair w[9];
#pragma GCC unroll 9
    for (int t = 0; t < 9; ++t) w[t] = split(r.weights + t * cpad + c0, left);
    const Pair bias = r.bias != nullptr ? split(r.bias + c0, left) : Pair{_mm512_setzero_ps(), _mm512_setzero_ps()};
    const uint16_t* in_c0 = input + c0;
    auto finish = [&](int64_t ow, Pair* acc, int count) {
      for (int j = 0; j < count; ++j) {
        const __m512i even = round_bits(f32_gemm::avx512::activate(acc[j].even, e));
        const __m512i odd = round_bits(f32_gemm::avx512::activate(acc[j].odd, e));
        const __m512i merged = _mm512_or_si512(even, _mm512_slli_epi32(odd, 16));
        _mm512_mask_storeu_epi16(output + (ow + j) * channels + c0, m, merged);
      }
    };
    for (int64_t ow = 0; ow < ow_count;) {
      if (ow >= interior_begin && ow + 4 <= interior_end && (s.stride_w == 1 || s.stride_w == 2)) {
        Pair acc[4] = {bias, bias, bias, bias};
        const int64_t iw0 = ow * s.stride_w - s.pad_left;
        for (int64_t kh = 0; kh < 3; ++kh) {
          const int64_t ih = ih0 + kh * s.dilation_h;
          if (ih < 0 || ih >= s.in_h) continue;
          const uint16_t* in_row = in_c0 + ih * s.in_w * channels + iw0 * channels;
          if (s.stride_w == 1) {
            four_pixels<1>(in_row, channels, m, w + kh * 3, acc);
          } else {
            four_pixels<2>(in_row, channels, m, w + kh * 3, acc);
          }
        }
        finish(ow, acc, 4);
        ow += 4;
        continue;
      }
      Pair acc[1] = {bias};
      const int64_t iw0 = ow * s.stride_w - s.pad_left;
      for (int64_t kh = 0; kh < 3; ++kh) {
        const int64_t ih = ih0 + kh * s.dilation_h;
        if (ih < 0 || ih >= s.in_h) continue;
        const uint16_t* in_row = in_c0 + ih * s.in_w * channels;
        for (int64_t kw = 0; kw < 3; ++kw) {
          const int64_t iw = iw0 + kw;
          if (iw < 0 || iw >= s.in_w) continue;
          const Pair x = load_pairs(m, in_row + iw * channels);
          acc[0].even = _mm512_fmadd_ps(x.even, w[kh * 3 + kw].even, acc[0].even);
          acc[0].odd = _mm512_fmadd_ps(x.odd, w[kh * 3 + kw].odd, acc[0].odd);
        }
      }
      finish(ow, acc, 1);
      ow += 1;
    }
  }
}

}  // namespace kiln::bf16_dwconv
