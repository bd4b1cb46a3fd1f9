// AVX2 NCHW-input convolution rows: 6 output pixels x 16 output channels (two vectors) per
// register tile, bias / residual / activation applied in registers before the NHWC store: fp32,
// or bf16 rounded to nearest even exactly as float_to_bf16 does (the bf16_conv_nchw variant).
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <cstring>

#include "kernels/f32-gemm/vmath-avx2.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::avx2::tail_mask;

// float_to_bf16 of 8 lanes: round to nearest even on the upper 16 bits, a NaN kept quiet.
inline __m128i bf16_round_8(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  const __m256i upper = _mm256_srli_epi32(bits, 16);
  const __m256i bias = _mm256_add_epi32(_mm256_and_si256(upper, _mm256_set1_epi32(1)), _mm256_set1_epi32(0x7FFF));
  const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(bits, bias), 16);
  const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
  const __m256i kept = _mm256_blendv_epi8(rounded, _mm256_or_si256(upper, _mm256_set1_epi32(0x40)), nan);
  // Every lane is below 2^16: the signed-saturating pack keeps it.
  return _mm_packus_epi32(_mm256_castsi256_si128(kept), _mm256_extracti128_si256(kept, 1));
}

// Stores `count` (1..8) lanes; `mask` is tail_mask(count).
inline void store(float* out, __m256 y, int64_t count, __m256i mask) {
  if (count == 8) {
    _mm256_storeu_ps(out, y);
  } else {
    _mm256_maskstore_ps(out, mask, y);
  }
}
inline void store(uint16_t* out, __m256 y, int64_t count, __m256i) {
  const __m128i h = bf16_round_8(y);
  if (count == 8) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), h);
  } else {
    alignas(16) uint16_t lanes[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), h);
    std::memcpy(out, lanes, sizeof(uint16_t) * count);
  }
}

// Pixels [ow0, ow0 + MR) x channels [c0, c0 + 8 * NV); `tail` channels (1..8) in the last vector.
// Out: float or uint16_t (bf16).
template <int MR, int NV, int SW, class Out, class Activation>
void tile(const NchwRowArgs& r, int64_t ow0, int64_t c0, const float* w, int64_t width, int64_t tail,
          Activation activation) {
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
      Out* out = static_cast<Out*>(r.output) + (ow0 + i) * r.output_stride + c0 + 8 * v;
      const float* res = r.residual != nullptr ? r.residual + at + 8 * v : nullptr;
      __m256 y = acc[i][v];
      const int64_t count = v == NV - 1 ? tail : 8;
      if (res != nullptr) y = _mm256_add_ps(y, count < 8 ? _mm256_maskload_ps(res, last) : _mm256_loadu_ps(res));
      store(out, activation(y), count, last);
    }
  }
}

template <int NV, int SW, class Out, class Activation>
void columns(const NchwRowArgs& r, int64_t c0, const float* w, int64_t width, int64_t tail, Activation activation) {
  const int64_t ow_end = r.ow_end;
  int64_t ow = r.ow_begin;
  for (; ow + 6 <= ow_end; ow += 6) tile<6, NV, SW, Out>(r, ow, c0, w, width, tail, activation);
  // A last full tile overlapping the previous one (no residual: it may alias the output).
  if (ow < ow_end && ow_end - r.ow_begin >= 6 && r.residual == nullptr) {
    tile<6, NV, SW, Out>(r, ow_end - 6, c0, w, width, tail, activation);
    return;
  }
  for (; ow + 4 <= ow_end; ow += 4) tile<4, NV, SW, Out>(r, ow, c0, w, width, tail, activation);
  for (; ow + 2 <= ow_end; ow += 2) tile<2, NV, SW, Out>(r, ow, c0, w, width, tail, activation);
  for (; ow < ow_end; ++ow) tile<1, NV, SW, Out>(r, ow, c0, w, width, tail, activation);
}

template <int SW, class Out, class Activation>
void row_with_stride(const NchwRowArgs& r, Activation activation) {
  const ConvShape& s = *r.shape;
  const int64_t k_count = s.in_c * s.kernel_h * s.kernel_w;
  for (int64_t c0 = 0; c0 < s.out_c; c0 += 16) {
    const int64_t channels = std::min<int64_t>(16, s.out_c - c0), vectors = (channels + 7) / 8;
    const int64_t tail = channels - 8 * (vectors - 1);
    const float* w = r.weights + c0 * k_count;
    if (vectors == 2) {
      columns<2, SW, Out>(r, c0, w, 16, tail, activation);
    } else {
      columns<1, SW, Out>(r, c0, w, 8, tail, activation);
    }
  }
}

template <class Out, class Activation>
void row_with(const NchwRowArgs& r, Activation activation) {
  switch (r.shape->stride_w) {
    case 1: row_with_stride<1, Out>(r, activation); break;
    case 2: row_with_stride<2, Out>(r, activation); break;
    default: row_with_stride<0, Out>(r, activation); break;
  }
}

// The activation's form is chosen once per row (a clamp for ReLU and Clip), not per vector.
template <class Out>
void row(const NchwRowArgs& r) {
  assert(r.shape->groups == 1 && r.output != nullptr && r.taps != nullptr);
  f32_gemm::avx2::with_activation(*r.epilogue, [&](auto activation) { row_with<Out>(r, activation); });
}

}  // namespace

void f32_conv_nchw_6x16__avx2(const NchwRowArgs& args) { row<float>(args); }
void bf16_conv_nchw_6x16__avx2(const NchwRowArgs& args) { row<uint16_t>(args); }

}  // namespace kiln::f32_conv
