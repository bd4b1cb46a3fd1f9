// Internal: the AVX-512 bf16_dwconv rows, shared by the ISA files that instantiate them
// (dwconv__avx512.cc: the integer rounding of lowp-gemm/bf16_avx512.h; dwconv__avx512bf16.cc:
// vcvtneps2bf16, same bits). f32_dwconv's AVX-512 rows with bf16 loads (exact widening) and stores
// (rounded to nearest even by the Round policy, `static void store(__mmask16, uint16_t*, __m512)`)
// where the tensors are bf16. 3x3 at stride 1 or 2 across the row runs the register-blocked row of
// f32-conv/dwconv-row-avx512.h (each input pixel widened once per kernel row for every output
// pixel that reads it); other shapes the generic row. Everything is in an unnamed namespace: each
// ISA file compiles its own copy with its flags.
#pragma once

#include <immintrin.h>

#include <cassert>
#include <cstdint>
#include <type_traits>

#include "dwconv.h"
#include "kernels/f32-conv/dwconv-row-avx512.h"
#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-gemm/vmath-avx512.h"
#include "kernels/lowp-gemm/bf16_avx512.h"

namespace kiln::bf16_dwconv {
namespace {

using lowp_gemm::bf16_load_16;

template <class T>
inline __m512 load_16(__mmask16 m, const T* p) {
  if constexpr (std::is_same_v<T, uint16_t>) {
    return bf16_load_16(m, p);
  } else {
    return _mm512_maskz_loadu_ps(m, p);
  }
}

template <class Round, class T>
inline void store_16(__mmask16 m, T* p, __m512 v) {
  if constexpr (std::is_same_v<T, uint16_t>) {
    Round::store(m, p, v);
  } else {
    _mm512_mask_storeu_ps(p, m, v);
  }
}

template <class Round, int KH, int KW, class In, class Out>
void dw_row(const RowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && r.output != nullptr);
  assert(KH == 0 || (s.kernel_h == KH && s.kernel_w == KW));
  const In* input = static_cast<const In*>(r.input);
  Out* output = static_cast<Out*>(r.output);
  const int64_t kh_count = KH ? KH : s.kernel_h, kw_count = KW ? KW : s.kernel_w;
  const int64_t channels = s.in_c, cpad = f32_conv::dw_padded_channels(channels), ow_count = s.out_w();
  int64_t interior_begin, interior_end;
  f32_conv::dw_interior(s, &interior_begin, &interior_end);
  const int64_t ih0 = r.oh * s.stride_h - s.pad_top;
  for (int64_t c0 = 0; c0 < channels; c0 += 16) {
    const __mmask16 m = lowp_gemm::lanes_16(channels - c0);
    const __m512 bias = r.bias != nullptr ? _mm512_maskz_loadu_ps(m, r.bias + c0) : _mm512_setzero_ps();
    __m512 w[KH * KW > 0 ? KH * KW : 1];
    if (KH > 0) {
#pragma GCC unroll 25
      for (int t = 0; t < KH * KW; ++t) w[t] = _mm512_load_ps(r.weights + t * cpad + c0);
    }
    const In* in_c0 = input + c0;
    // + residual, the activation, and the store (rounded to bf16 for a bf16 output).
    auto finish = [&](int64_t ow, __m512* acc, auto block) {
      constexpr int NB = decltype(block)::value;
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        const int64_t at = (ow + j) * channels + c0;
        if (r.residual != nullptr) {
          const __m512 residual = r.residual_bf16 ? load_16(m, static_cast<const uint16_t*>(r.residual) + at)
                                                  : load_16(m, static_cast<const float*>(r.residual) + at);
          acc[j] = _mm512_add_ps(acc[j], residual);
        }
        store_16<Round>(m, output + at, f32_gemm::avx512::activate(acc[j], *r.epilogue));
      }
    };
    auto pixels = [&](int64_t ow, auto block, bool interior) {
      constexpr int NB = decltype(block)::value;
      const int64_t iw0 = ow * s.stride_w - s.pad_left;
      __m512 acc[NB];
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[j] = bias;
#pragma GCC unroll 7
      for (int64_t kh = 0; kh < kh_count; ++kh) {
        const int64_t ih = ih0 + kh * s.dilation_h;
        if (ih < 0 || ih >= s.in_h) continue;
        const In* in_row = in_c0 + ih * s.in_w * channels;
#pragma GCC unroll 7
        for (int64_t kw = 0; kw < kw_count; ++kw) {
          const int64_t iw = iw0 + kw * s.dilation_w;
          if (!interior && (iw < 0 || iw >= s.in_w)) continue;
          const __m512 wt = KH > 0 ? w[kh * KW + kw] : _mm512_load_ps(r.weights + (kh * kw_count + kw) * cpad + c0);
#pragma GCC unroll 4
          for (int j = 0; j < NB; ++j) {
            acc[j] = _mm512_fmadd_ps(load_16(m, in_row + (iw + j * s.stride_w) * channels), wt, acc[j]);
          }
        }
      }
      finish(ow, acc, std::integral_constant<int, NB>());
    };
    for (int64_t ow = 0; ow < ow_count;) {
      if (ow >= interior_begin && ow + 4 <= interior_end) {
        pixels(ow, std::integral_constant<int, 4>(), true);
        ow += 4;
      } else {
        pixels(ow, std::integral_constant<int, 1>(), ow >= interior_begin && ow < interior_end);
        ow += 1;
      }
    }
  }
}

// The register-blocked 3x3 row: + residual (fp32 or bf16), the activation, the store.
template <class Round, class In, class Out>
void row_3x3(const RowArgs& r) {
  const ConvShape& s = *r.shape;
  const int64_t channels = s.in_c;
  Out* output = static_cast<Out*>(r.output);
  f32_conv::dw3x3::with_activation(*r.epilogue, [&](auto activation) {
    auto finish = [&](int64_t ow, int pixels, int64_t c0, __mmask16 m, const __m512* acc) {
      const int64_t at = ow * channels + c0;
      for (int j = 0; j < pixels; ++j) {
        __m512 v = acc[j];
        if (r.residual != nullptr) {
          const int64_t where = at + j * channels;
          v = _mm512_add_ps(v, r.residual_bf16 ? load_16(m, static_cast<const uint16_t*>(r.residual) + where)
                                               : load_16(m, static_cast<const float*>(r.residual) + where));
        }
        store_16<Round>(m, output + at + j * channels, activation(v));
      }
    };
    f32_conv::dw3x3::row(s, static_cast<const In*>(r.input), r.weights, r.bias, r.oh, finish);
  });
}

template <class Round, int KH, int KW>
void dispatch(const RowArgs& r) {
  if (KH == 3 && KW == 3 && f32_conv::dw3x3::applies_3x3(*r.shape)) {
    if (r.input_bf16 && r.output_bf16) return row_3x3<Round, uint16_t, uint16_t>(r);
    if (r.input_bf16) return row_3x3<Round, uint16_t, float>(r);
    if (r.output_bf16) return row_3x3<Round, float, uint16_t>(r);
    return row_3x3<Round, float, float>(r);
  }
  if (r.input_bf16 && r.output_bf16) return dw_row<Round, KH, KW, uint16_t, uint16_t>(r);
  if (r.input_bf16) return dw_row<Round, KH, KW, uint16_t, float>(r);
  if (r.output_bf16) return dw_row<Round, KH, KW, float, uint16_t>(r);
  dw_row<Round, KH, KW, float, float>(r);
}

}  // namespace
}  // namespace kiln::bf16_dwconv
