// AVX2 NCHW-input convolution rows: 6 output pixels x 16 output channels (two vectors) per
// register tile, bias / residual / activation applied in registers before the NHWC store.
#include <immintrin.h>

#include <algorithm>
#include <cassert>

#include "kernels/f32-gemm/vmath-avx2.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::avx2::tail_mask;

// Pixels [ow0, ow0 + MR) x channels [c0, c0 + 8 * NV); `tail` channels (1..8) in the last vector.
template <int MR, int NV, int SW>
void tile(const NchwRowArgs& r, int64_t ow0, int64_t c0, const float* w, int64_t width, int64_t tail) {
  const ConvShape& s = *r.shape;
  const int64_t sw = SW > 0 ? SW : s.stride_w, k_count = s.in_c * s.kernel_h * s.kernel_w;
  const int64_t x0 = (ow0 - r.ow_begin) * sw;
  const __m256i last = tail_mask(tail);
  __m256 acc[MR][NV];
#pragma GCC unroll 2
  for (int v = 0; v < NV; ++v) {
    const float* b = r.bias + c0 + 8 * v;
    acc[0][v] = r.bias == nullptr ? _mm256_setzero_ps() : v == NV - 1 ? _mm256_maskload_ps(b, last) : _mm256_loadu_ps(b);
  }
#pragma GCC unroll 6
  for (int i = 1; i < MR; ++i) {
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) acc[i][v] = acc[0][v];
  }
  for (int64_t k = 0; k < k_count; ++k) {
    const float* xk = r.taps[k] + x0;
    const float* wk = w + k * width;
    __m256 wv[NV];
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) wv[v] = _mm256_load_ps(wk + 8 * v);
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m256 xb = _mm256_broadcast_ss(xk + i * sw);
#pragma GCC unroll 2
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(xb, wv[v], acc[i][v]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i) {
    const int64_t at = (ow0 + i) * s.out_c + c0;
#pragma GCC unroll 2
    for (int v = 0; v < NV; ++v) {
      float* out = r.output + (ow0 + i) * r.output_stride + c0 + 8 * v;
      const float* res = r.residual != nullptr ? r.residual + at + 8 * v : nullptr;
      __m256 y = acc[i][v];
      if (v == NV - 1 && tail < 8) {
        if (res != nullptr) y = _mm256_add_ps(y, _mm256_maskload_ps(res, last));
        _mm256_maskstore_ps(out, last, f32_gemm::avx2::activate(y, *r.epilogue));
      } else {
        if (res != nullptr) y = _mm256_add_ps(y, _mm256_loadu_ps(res));
        _mm256_storeu_ps(out, f32_gemm::avx2::activate(y, *r.epilogue));
      }
    }
  }
}

template <int NV, int SW>
void columns(const NchwRowArgs& r, int64_t c0, const float* w, int64_t width, int64_t tail) {
  const int64_t ow_end = r.ow_end;
  int64_t ow = r.ow_begin;
  for (; ow + 6 <= ow_end; ow += 6) tile<6, NV, SW>(r, ow, c0, w, width, tail);
  // A last full tile overlapping the previous one (no residual: it may alias the output).
  if (ow < ow_end && ow_end - r.ow_begin >= 6 && r.residual == nullptr) {
    tile<6, NV, SW>(r, ow_end - 6, c0, w, width, tail);
    return;
  }
  for (; ow + 4 <= ow_end; ow += 4) tile<4, NV, SW>(r, ow, c0, w, width, tail);
  for (; ow + 2 <= ow_end; ow += 2) tile<2, NV, SW>(r, ow, c0, w, width, tail);
  for (; ow < ow_end; ++ow) tile<1, NV, SW>(r, ow, c0, w, width, tail);
}

template <int SW>
void row_with_stride(const NchwRowArgs& r) {
  const ConvShape& s = *r.shape;
  const int64_t k_count = s.in_c * s.kernel_h * s.kernel_w;
  for (int64_t c0 = 0; c0 < s.out_c; c0 += 16) {
    const int64_t channels = std::min<int64_t>(16, s.out_c - c0), vectors = (channels + 7) / 8;
    const int64_t tail = channels - 8 * (vectors - 1);
    const float* w = r.weights + c0 * k_count;
    if (vectors == 2) {
      columns<2, SW>(r, c0, w, 16, tail);
    } else {
      columns<1, SW>(r, c0, w, 8, tail);
    }
  }
}

}  // namespace

void f32_conv_nchw_6x16__avx2(const NchwRowArgs& r) {
  assert(r.shape->groups == 1 && r.output != nullptr && r.taps != nullptr);
  switch (r.shape->stride_w) {
    case 1: row_with_stride<1>(r); break;
    case 2: row_with_stride<2>(r); break;
    default: row_with_stride<0>(r); break;
  }
}

}  // namespace kiln::f32_conv
