// The AVX-512 NCHW-input convolution rows, shared by the ISA files that instantiate them
// (stem__avx512.cc: fp32 and exactly rounded bf16 stores; stem__avx512bf16.cc: bf16 stores through
// vcvtne2ps2bf16): MR output pixels x NR output channels per register tile (NR / 16 vectors), one
// broadcast input tap per pixel and step, bias / residual / activation applied in registers, then
// each pixel's NV vectors handed to a Store policy:
//
//   struct Store {
//     using Out = float;  // or uint16_t (bf16 bits)
//     template <int NV> static void pixel(Out* out, const __m512* y, __mmask16 last);  // last: vector NV - 1's lanes
//   };
//
// Everything here is in an unnamed namespace: each ISA file compiles its own copy with its flags.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstdint>

#include "kernels/f32-gemm/vmath-avx512.h"
#include "stem.h"

namespace kiln::f32_conv {
namespace {

// Pixels [ow0, ow0 + MR) x channels [c0, c0 + 16 * NV) of the row; `last` masks the last vector.
// SW: the horizontal stride when known at compile time (0: read it from the shape); Store: the
// output policy (one pixel's NV vectors to float or bf16).
template <int MR, int NV, int SW, class Store>
void tile(const NchwRowArgs& r, int64_t ow0, int64_t c0, const float* w, int64_t width, __mmask16 last) {
  const ConvShape& s = *r.shape;
  const int64_t sw = SW > 0 ? SW : s.stride_w, k_count = s.in_c * s.kernel_h * s.kernel_w;
  const int64_t x0 = (ow0 - r.ow_begin) * sw;
  __m512 acc[MR][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v == NV - 1 ? last : __mmask16(0xFFFF);
    acc[0][v] = r.bias != nullptr ? _mm512_maskz_loadu_ps(m, r.bias + c0 + 16 * v) : _mm512_setzero_ps();
  }
#pragma GCC unroll 14
  for (int i = 1; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = acc[0][v];
  }
  for (int64_t k = 0; k < k_count; ++k) {
    const float* xk = r.taps[k] + x0;
    const float* wk = w + k * width;
    __m512 wv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) wv[v] = _mm512_load_ps(wk + 16 * v);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const __m512 xb = _mm512_set1_ps(xk[i * sw]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(xb, wv[v], acc[i][v]);
    }
  }
  const int64_t out_c = s.out_c;
  const Epilogue& e = *r.epilogue;
  using f32_gemm::Activation;
  if (r.residual == nullptr && (e.activation == Activation::kNone || e.activation == Activation::kRelu ||
                                e.activation == Activation::kClip)) {
    // The common stems (plain, ReLU, ReLU6): a clamp in registers, no per-vector dispatch.
    const bool clamp = e.activation != Activation::kNone;
    const __m512 lo = _mm512_set1_ps(e.activation == Activation::kClip ? e.alpha : 0.0f);
    const __m512 hi = _mm512_set1_ps(e.activation == Activation::kClip ? e.beta : __builtin_inff());
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      __m512 y[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        // max(lo, y) / min(hi, y) return y when it is NaN (the second operand), as ONNX does.
        y[v] = clamp ? _mm512_min_ps(hi, _mm512_max_ps(lo, acc[i][v])) : acc[i][v];
      }
      Store::template pixel<NV>(static_cast<typename Store::Out*>(r.output) + (ow0 + i) * r.output_stride + c0, y, last);
    }
    return;
  }
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
    const int64_t at = (ow0 + i) * out_c + c0;
    __m512 y[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v == NV - 1 ? last : __mmask16(0xFFFF);
      y[v] = acc[i][v];
      if (r.residual != nullptr) y[v] = _mm512_add_ps(y[v], _mm512_maskz_loadu_ps(m, r.residual + at + 16 * v));
      y[v] = f32_gemm::avx512::activate(y[v], e);
    }
    Store::template pixel<NV>(static_cast<typename Store::Out*>(r.output) + (ow0 + i) * r.output_stride + c0, y, last);
  }
}

// Columns [ow_begin, ow_end) of the row for one channel block: full MR tiles, then 8 / 4 / 2 / 1 for the rest.
template <int MR, int NV, int SW, class Store>
void columns(const NchwRowArgs& r, int64_t c0, const float* w, int64_t width, __mmask16 last) {
  const int64_t ow_end = r.ow_end;
  int64_t ow = r.ow_begin;
  for (; ow + MR <= ow_end; ow += MR) tile<MR, NV, SW, Store>(r, ow, c0, w, width, last);
  // A last full tile that overlaps the previous one beats narrow latency-bound tiles; it writes
  // some pixels twice, so only without a residual (which may alias the output).
  if (ow < ow_end && ow_end - r.ow_begin >= MR && r.residual == nullptr) {
    tile<MR, NV, SW, Store>(r, ow_end - MR, c0, w, width, last);
    return;
  }
  if constexpr (MR > 8) {
    for (; ow + 8 <= ow_end; ow += 8) tile<8, NV, SW, Store>(r, ow, c0, w, width, last);
  }
  if constexpr (MR > 4) {
    for (; ow + 4 <= ow_end; ow += 4) tile<4, NV, SW, Store>(r, ow, c0, w, width, last);
  }
  if constexpr (MR > 2) {
    for (; ow + 2 <= ow_end; ow += 2) tile<2, NV, SW, Store>(r, ow, c0, w, width, last);
  }
  for (; ow < ow_end; ++ow) tile<1, NV, SW, Store>(r, ow, c0, w, width, last);
}

template <int MR, int NR, int SW, class Store>
void row_with_stride(const NchwRowArgs& r) {
  static_assert(NR % 16 == 0 && NR <= 64, "NR: 16 to 64 channels, whole vectors");
  const ConvShape& s = *r.shape;
  const int64_t k_count = s.in_c * s.kernel_h * s.kernel_w;
  for (int64_t c0 = 0; c0 < s.out_c; c0 += NR) {
    const int64_t channels = std::min<int64_t>(NR, s.out_c - c0), vectors = (channels + 15) / 16;
    const int64_t tail = channels - 16 * (vectors - 1);
    const __mmask16 last = tail == 16 ? __mmask16(0xFFFF) : __mmask16((1u << tail) - 1);
    // Blocks before this one are full: NR channels wide.
    const float* w = r.weights + c0 * k_count;
    const int64_t width = 16 * vectors;
    switch (vectors) {
      case 1: columns<MR, 1, SW, Store>(r, c0, w, width, last); break;
      case 2: columns<MR, 2, SW, Store>(r, c0, w, width, last); break;
      case 3: if constexpr (NR >= 48) columns<MR, 3, SW, Store>(r, c0, w, width, last); break;
      default: if constexpr (NR >= 64) columns<MR, 4, SW, Store>(r, c0, w, width, last); break;
    }
  }
}

template <int MR, int NR, class Store>
void row(const NchwRowArgs& r) {
  assert(r.shape->groups == 1 && r.output != nullptr && r.taps != nullptr);
  switch (r.shape->stride_w) {
    case 1: row_with_stride<MR, NR, 1, Store>(r); break;
    case 2: row_with_stride<MR, NR, 2, Store>(r); break;
    default: row_with_stride<MR, NR, 0, Store>(r); break;
  }
}

}  // namespace
}  // namespace kiln::f32_conv
