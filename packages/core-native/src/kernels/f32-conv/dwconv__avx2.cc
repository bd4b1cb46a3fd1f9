// AVX2 depthwise Conv2D rows: 8 channels per vector, 3x3 weights held in registers, four
// interior output pixels per step. Full groups of 8 channels use plain loads and stores; only the
// last partial group is masked (vmaskmovps stores are microcoded on AMD Zen: masked stores on every
// group made this kernel 2-3x slower than onnxruntime's there).
#include <immintrin.h>

#include <cassert>
#include <type_traits>

#include "dwconv.h"
#include "kernels/f32-gemm/vmath-avx2.h"

namespace kiln::f32_conv {
namespace {

template <int KH, int KW>
void dw_row_avx2(const DwRowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && r.output != nullptr);
  assert(KH == 0 || (s.kernel_h == KH && s.kernel_w == KW));
  const int64_t kh_count = KH ? KH : s.kernel_h, kw_count = KW ? KW : s.kernel_w;
  const int64_t channels = s.in_c, cpad = dw_padded_channels(channels), ow_count = s.out_w();
  int64_t interior_begin, interior_end;
  dw_interior(s, &interior_begin, &interior_end);
  const int64_t ih0 = r.oh * s.stride_h - s.pad_top;
  auto group = [&](int64_t c0, auto full_group) {
    constexpr bool kFull = decltype(full_group)::value;
    const __m256i m = f32_gemm::avx2::tail_mask(kFull ? 8 : channels - c0);
    auto load = [&](const float* p) { return kFull ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m); };
    const __m256 bias = r.bias != nullptr ? load(r.bias + c0) : _mm256_setzero_ps();
    __m256 w[KH * KW > 0 ? KH * KW : 1];
    if (KH > 0) {
#pragma GCC unroll 25
      for (int t = 0; t < KH * KW; ++t) w[t] = _mm256_load_ps(r.weights + t * cpad + c0);
    }
    const float* in_c0 = r.input + c0;
    // NB output pixels at once with independent accumulators (see the AVX-512 variant).
    auto pixels = [&](int64_t ow, auto block, bool interior) {
      constexpr int NB = decltype(block)::value;
      const int64_t iw0 = ow * s.stride_w - s.pad_left;
      __m256 acc[NB];
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
          if (!interior && (iw < 0 || iw >= s.in_w)) continue;
          const __m256 wt = KH > 0 ? w[kh * KW + kw]
                                   : _mm256_load_ps(r.weights + (kh * kw_count + kw) * cpad + c0);
#pragma GCC unroll 4
          for (int j = 0; j < NB; ++j) {
            const __m256 x = load(in_row + (iw + j * s.stride_w) * channels);
            acc[j] = _mm256_fmadd_ps(x, wt, acc[j]);
          }
        }
      }
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) {
        const int64_t at = (ow + j) * channels + c0;
        if (r.residual != nullptr) acc[j] = _mm256_add_ps(acc[j], load(r.residual + at));
        const __m256 y = f32_gemm::avx2::activate(acc[j], *r.epilogue);
        if (kFull) _mm256_storeu_ps(r.output + at, y);
        else _mm256_maskstore_ps(r.output + at, m, y);
      }
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
  };
  int64_t c0 = 0;
  for (; c0 + 8 <= channels; c0 += 8) group(c0, std::true_type());
  if (c0 < channels) group(c0, std::false_type());
}

}  // namespace

void f32_dwconv_3x3__avx2(const DwRowArgs& args) { dw_row_avx2<3, 3>(args); }
void f32_dwconv__avx2(const DwRowArgs& args) { dw_row_avx2<0, 0>(args); }

}  // namespace kiln::f32_conv
