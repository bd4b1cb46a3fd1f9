// AVX-512 depthwise Conv2D rows: 16 channels per vector. Kernel widths 3, 5 and 7 at stride 1 or
// 2 across the row: the register-blocked row of dwconv-row-avx512.h; other kernels, strides and
// dilations: weights held in registers (3x3, 5x5) or loaded per tap, four interior output pixels
// per step.
#include <immintrin.h>

#include <cassert>
#include <type_traits>

#include "dwconv-row-avx512.h"
#include "dwconv.h"
#include "kernels/f32-gemm/vmath-avx512.h"

namespace kiln::f32_conv {
namespace {

template <int KH, int KW>
void dw_row_avx512(const DwRowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && r.output != nullptr);
  assert(KH == 0 || (s.kernel_h == KH && s.kernel_w == KW));
  const int64_t kh_count = KH ? KH : s.kernel_h, kw_count = KW ? KW : s.kernel_w;
  const int64_t channels = s.in_c, cpad = dw_padded_channels(channels), ow_count = s.out_w();
  int64_t interior_begin, interior_end;
  dw_interior(s, &interior_begin, &interior_end);
  const int64_t ih0 = r.oh * s.stride_h - s.pad_top;
  for (int64_t c0 = 0; c0 < channels; c0 += 16) {
    const __mmask16 m =
        channels - c0 >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << (channels - c0)) - 1);
    const __m512 bias = r.bias != nullptr ? _mm512_maskz_loadu_ps(m, r.bias + c0)
                                          : _mm512_setzero_ps();
    __m512 w[KH * KW > 0 ? KH * KW : 1];
    if (KH > 0) {
#pragma GCC unroll 25
      for (int t = 0; t < KH * KW; ++t) w[t] = _mm512_load_ps(r.weights + t * cpad + c0);
    }
    const float* in_c0 = r.input + c0;
    // NB output pixels at once, each with its own accumulator: a single accumulator would make
    // every pixel wait on a chain of KH*KW dependent FMAs.
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
        const float* in_row = in_c0 + ih * s.in_w * channels;
#pragma GCC unroll 7
        for (int64_t kw = 0; kw < kw_count; ++kw) {
          const int64_t iw = iw0 + kw * s.dilation_w;
          if (!interior && NB == 1 && (iw < 0 || iw >= s.in_w)) continue;
          const __m512 wt = KH > 0 ? w[kh * KW + kw]
                                   : _mm512_load_ps(r.weights + (kh * kw_count + kw) * cpad + c0);
#pragma GCC unroll 4
          for (int j = 0; j < NB; ++j) {
            const int64_t column = iw + j * s.stride_w;
            // A block at the border checks each pixel's tap (a padding tap adds nothing).
            if (!interior && NB > 1 && (column < 0 || column >= s.in_w)) continue;
            const __m512 x = _mm512_maskz_loadu_ps(m, in_row + column * channels);
            acc[j] = _mm512_fmadd_ps(x, wt, acc[j]);
          }
        }
      }
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        const int64_t at = (ow + j) * channels + c0;
        if (r.residual != nullptr) acc[j] = _mm512_add_ps(acc[j], _mm512_maskz_loadu_ps(m, r.residual + at));
        _mm512_mask_storeu_ps(r.output + at, m, f32_gemm::avx512::activate(acc[j], *r.epilogue));
      }
    };
    // Blocks of four pixels (checked taps at the borders, where one accumulator per pixel would
    // wait on a chain of dependent FMAs), then single pixels for the last few.
    for (int64_t ow = 0; ow < ow_count;) {
      if (ow + 4 <= ow_count) {
        pixels(ow, std::integral_constant<int, 4>(), ow >= interior_begin && ow + 4 <= interior_end);
        ow += 4;
      } else {
        pixels(ow, std::integral_constant<int, 1>(), ow >= interior_begin && ow < interior_end);
        ow += 1;
      }
    }
  }
}

// The register-blocked rows of dwconv-row-avx512.h for kernel width K.
template <int K>
void blocked_rows(const DwRowArgs& args) {
  const ConvShape& s = *args.shape;
  const int64_t channels = s.in_c, row_step = s.out_w() * s.out_c;
  dw3x3::with_activation(*args.epilogue, [&](auto activation) {
    auto finish = [&](int64_t r, int64_t ow, int pixels, int64_t c0, __mmask16 m, const __m512* acc) {
      const int64_t at = r * row_step + ow * channels + c0;
      float* out = args.output + at;
      const float* residual = args.residual != nullptr ? args.residual + at : nullptr;
      for (int j = 0; j < pixels; ++j) {
        __m512 v = acc[j];
        if (residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, residual + j * channels));
        _mm512_mask_storeu_ps(out + j * channels, m, activation(v));
      }
    };
    dw3x3::rows<float, K>(s, args.input, args.weights, args.bias, args.oh, args.rows, finish);
  });
}

}  // namespace

void f32_dwconv_3x3__avx512(const DwRowArgs& args) {
  const ConvShape& s = *args.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && args.output != nullptr);
  if (!dw3x3::applies_3x3(s)) return dw_each_row(args, dw_row_avx512<3, 3>);
  blocked_rows<3>(args);
}
// Widths 5 and 7 (EfficientNet's, MobileNetV3's, MnasNet's and ConvNeXt's depthwise layers) on
// the register-blocked row; other kernels: 5x5 with its 25 weight vectors in registers, the rest
// loading each tap's weights per pixel block.
void f32_dwconv__avx512(const DwRowArgs& args) {
  const ConvShape& s = *args.shape;
  if (dw3x3::applies_wide(s)) return s.kernel_w == 5 ? blocked_rows<5>(args) : blocked_rows<7>(args);
  if (s.kernel_h == 5 && s.kernel_w == 5) return dw_each_row(args, dw_row_avx512<5, 5>);
  dw_each_row(args, dw_row_avx512<0, 0>);
}

}  // namespace kiln::f32_conv
