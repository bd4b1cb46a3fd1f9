// AVX-512 VNNI rows of qu8_conv_nchw: input rows quantized 16 columns per step (the qu8 packers'
// quantize_16 per channel plane, the channels merged into the bytes of each int32 lane), then MR
// output pixels x NV 16-channel vectors per register tile, one broadcast input quad per pixel and
// tap and one vpdpbusd per pixel, tap and vector, and the finish (int32 -> fp32, scale and bias in
// one FMA, clamp, requantize) in registers before the NHWC store.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "kernels/lowp-gemm/finish__avx512.h"
#include "stem.h"

namespace kiln::lowp_conv {
namespace {

__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

inline __m512i broadcast_quad(const uint8_t* at) {
  int32_t quad;
  std::memcpy(&quad, at, 4);
  return _mm512_set1_epi32(quad);
}

// The tap loop of tile(): acc += every tap's quads x weights.
template <int MR, int NV>
inline void accumulate(const ConvShape& s, const uint8_t* const* rows, int64_t x0, int64_t sw, int64_t dw,
                       const int8_t* w, int64_t padded_c, __m512i (&acc)[MR][NV]) {
  __m512i sum[MR][NV];
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) sum[i][v] = acc[i][v];
  }
  for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
    const uint8_t* x = rows[kh] + x0;
    for (int64_t kw = 0; kw < s.kernel_w; ++kw, w += padded_c * 4, x += dw * 4) {
      __m512i wv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) wv[v] = _mm512_loadu_si512(w + 64 * v);
#pragma GCC unroll 14
      for (int i = 0; i < MR; ++i) {
        const __m512i xb = broadcast_quad(x + i * sw * 4);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) sum[i][v] = _mm512_dpbusd_epi32(sum[i][v], xb, wv[v]);
      }
    }
  }
#pragma GCC unroll 14
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = sum[i][v];
  }
}

// accumulate() out of line, for the large tiles: inlined into tile() with 20 or more accumulators
// (6 x 64 channels: 24), GCC 12 gave the tile a home on the stack and stored every accumulator on
// every tap (squeezenet1_1's stem: 0.185 -> 0.141 ms at 2 threads out of line). Small tiles stay
// inline: there the copy in and out cost more than they save (mobilenet_v2's 6 x 32: 0.067 -> 0.08).
template <int MR, int NV>
__attribute__((noinline)) void accumulate_out_of_line(const ConvShape& s, const uint8_t* const* rows, int64_t x0,
                                                      int64_t sw, int64_t dw, const int8_t* w, int64_t padded_c,
                                                      __m512i (&acc)[MR][NV]) {
  accumulate<MR, NV>(s, rows, x0, sw, dw, w, padded_c, acc);
}

// Pixels [ow0, ow0 + MR) x channels [c0, c0 + 16 * NV) of the row. SW: the horizontal stride when
// known at compile time (0: read it from the shape).
template <int MR, int NV, int SW>
void tile(const ConvShape& s, const StemRow& r, int64_t ow0, int64_t c0, int64_t padded_c) {
  const int64_t sw = SW > 0 ? SW : s.stride_w, dw = s.dilation_w;
  __m512i acc[MR][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) acc[0][v] = _mm512_loadu_si512(r.start + c0 + 16 * v);
#pragma GCC unroll 14
  for (int i = 1; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = acc[0][v];
  }
  if constexpr (MR * NV >= 20) {
    accumulate_out_of_line<MR, NV>(s, r.rows, ow0 * sw * 4, sw, dw, r.weights + c0 * 4, padded_c, acc);
  } else {
    accumulate<MR, NV>(s, r.rows, ow0 * sw * 4, sw, dw, r.weights + c0 * 4, padded_c, acc);
  }
  const __m512 lo = _mm512_set1_ps(r.lo), hi = _mm512_set1_ps(r.hi);
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = tail_mask(s.out_c - c0 - 16 * v);
    const __m512 multiplier = _mm512_loadu_ps(r.multiplier + c0 + 16 * v);
    const __m512 offset = _mm512_loadu_ps(r.offset + c0 + 16 * v);
#pragma GCC unroll 14
    for (int i = 0; i < MR; ++i) {
      const int64_t at = (ow0 + i) * r.pixel_stride + c0 + 16 * v;
      // max(y, lo) is lo when y is NaN (the second operand wins), as the scalar row's std::max.
      const __m512 y = _mm512_min_ps(_mm512_max_ps(_mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[i][v]), multiplier, offset), lo), hi);
      if (r.out_u8 != nullptr) {
        const __m512i q = _mm512_cvt_roundps_epi32(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_mask_storeu_epi8(r.out_u8 + at, m, _mm512_cvtepi32_epi8(q));
      } else {
        _mm512_mask_storeu_ps(r.out + at, m, y);
      }
    }
  }
}

// Every output column of the row for one channel block: full MR tiles, then a last full tile
// that overlaps the previous one (it rewrites some pixels with the same values: no residual), or
// 4 / 1 pixel tiles when the row is narrower than MR.
template <int MR, int NV, int SW>
void columns(const ConvShape& s, const StemRow& r, int64_t c0, int64_t padded_c) {
  const int64_t ow_count = s.out_w();
  int64_t ow = 0;
  for (; ow + MR <= ow_count; ow += MR) tile<MR, NV, SW>(s, r, ow, c0, padded_c);
  if (ow == ow_count) return;
  if (ow_count >= MR) {
    tile<MR, NV, SW>(s, r, ow_count - MR, c0, padded_c);
    return;
  }
  for (; ow + 4 <= ow_count; ow += 4) tile<4, NV, SW>(s, r, ow, c0, padded_c);
  for (; ow < ow_count; ++ow) tile<1, NV, SW>(s, r, ow, c0, padded_c);
}

template <int MR, int NR, int SW>
void row_with_stride(const ConvShape& s, const StemRow& r) {
  static_assert(NR % 16 == 0 && NR <= 64, "NR: 16 to 64 channels, whole vectors");
  const int64_t padded_c = stem_padded_channels(s);
  for (int64_t c0 = 0; c0 < padded_c; c0 += NR) {
    switch (std::min<int64_t>(NR, padded_c - c0) / 16) {
      case 1: columns<MR, 1, SW>(s, r, c0, padded_c); break;
      case 2: if constexpr (NR >= 32) columns<MR, 2, SW>(s, r, c0, padded_c); break;
      case 3: if constexpr (NR >= 48) columns<MR, 3, SW>(s, r, c0, padded_c); break;
      default: if constexpr (NR >= 64) columns<MR, 4, SW>(s, r, c0, padded_c); break;
    }
  }
}

template <int MR, int NR>
void row(const ConvShape& s, const StemRow& r) {
  assert(s.groups == 1 && (r.out != nullptr || r.out_u8 != nullptr) && r.rows != nullptr);
  switch (s.stride_w) {
    case 1: row_with_stride<MR, NR, 1>(s, r); break;
    case 2: row_with_stride<MR, NR, 2>(s, r); break;
    default: row_with_stride<MR, NR, 0>(s, r); break;
  }
}

}  // namespace

void stem_quantize__avx512vnni(const float* const* planes, int64_t channels, int64_t count,
                               const lowp_gemm::Quantization& grid, uint8_t* quads) {
  assert(channels >= 1 && channels <= kStemMaxInputChannels);
  const lowp_gemm::QuantizeVectors vectors(grid);
  // Channels past `channels` hold the zero point in their byte.
  int32_t fill = 0;
  for (int64_t ci = channels; ci < 4; ++ci) fill |= grid.zero_point << (8 * ci);
  const __m512i padding = _mm512_set1_epi32(fill);
  for (int64_t i = 0; i < count; i += 16) {
    const __mmask16 m = tail_mask(count - i);
    __m512i quad = padding;
    for (int64_t ci = 0; ci < channels; ++ci) {
      const __m128i q = lowp_gemm::quantize_16(_mm512_maskz_loadu_ps(m, planes[ci] + i), vectors);
      quad = _mm512_or_si512(quad, _mm512_sllv_epi32(_mm512_cvtepu8_epi32(q), _mm512_set1_epi32(static_cast<int>(8 * ci))));
    }
    _mm512_mask_storeu_epi32(quads + i * 4, m, quad);
  }
}

void stem_row_6x64__avx512vnni(const ConvShape& shape, const StemRow& row_args) { row<6, 64>(shape, row_args); }
void stem_row_14x32__avx512vnni(const ConvShape& shape, const StemRow& row_args) { row<14, 32>(shape, row_args); }

}  // namespace kiln::lowp_conv
