// Vector body of NCHW pooling (pool_nchw.h), compiled once per ISA TU (see kernels/simd/vec.h).
// Output pixels ox0..ox0+n of one row read each tap at input columns ox * sw + const: a strided
// load of n lanes, clipped to the row near the borders (clipped lanes read the identity: x + 0
// and max(x, -inf) are exact). Lanes accumulate in the reference's tap order (and divide, not
// multiply), so windowed pooling matches the scalar reference bit for bit.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "kernels/f32-pool/pool_nchw.h"
#include "kernels/simd/vec.h"

namespace kiln {
namespace {

#if defined(__AVX512F__)
inline __mmask16 lanes(int64_t n) { return n >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << n) - 1); }

// p[0], p[stride], ..., p[(n-1) * stride] for n in [1, 16]; reads nothing beyond the last one.
inline V load_strided(const float* p, int64_t stride, int64_t n) {
  if (stride == 1) return {_mm512_maskz_loadu_ps(lanes(n), p)};
  if (stride == 2) {  // the 2n - 1 floats p[0..2n-1) in two masked loads, then the even ones
    const int64_t span = 2 * n - 1;
    const __m512 a = _mm512_maskz_loadu_ps(lanes(std::min<int64_t>(span, 16)), p);
    const __m512 b = span > 16 ? _mm512_maskz_loadu_ps(lanes(span - 16), p + 16) : _mm512_setzero_ps();
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return {_mm512_permutex2var_ps(a, even, b)};
  }
  const __m512i at = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                        _mm512_set1_epi32(static_cast<int>(stride)));
  return {_mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes(n), at, p, 4)};
}

// Lanes [first, end) of n read row[c0 + lane * stride] (inside the row); the others are `fill`.
// Masked-off lanes are never accessed, so row + c0 may point before the row.
inline V load_clipped(const float* row, int64_t c0, int64_t stride, int64_t first, int64_t end, float fill) {
  const __mmask16 valid = static_cast<__mmask16>(lanes(end) & ~lanes(first));
  const __m512 identity = _mm512_set1_ps(fill);
  if (stride == 1) return {_mm512_mask_loadu_ps(identity, valid, row + c0)};
  if (stride == 2) {  // elements [2 first, 2 end - 1) of row + c0, then the even ones
    const uint32_t elements = end > first ? static_cast<uint32_t>(((uint64_t{1} << (2 * end - 1)) - 1) &
                                                                 ~((uint64_t{1} << (2 * first)) - 1))
                                          : 0u;
    const __m512 a = _mm512_maskz_loadu_ps(static_cast<__mmask16>(elements), row + c0);
    const __m512 b = _mm512_maskz_loadu_ps(static_cast<__mmask16>(elements >> 16), row + c0 + 16);
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    return {_mm512_mask_mov_ps(identity, valid, _mm512_permutex2var_ps(a, even, b))};
  }
  const __m512i at = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                        _mm512_set1_epi32(static_cast<int>(stride)));
  return {_mm512_mask_i32gather_ps(identity, valid, at, row + c0, 4)};
}

inline void store_lanes(V v, float* p, int64_t n) { _mm512_mask_storeu_ps(p, lanes(n), v.v); }

inline V load_lanes(const float* p, int64_t n, float fill) {
  return {_mm512_mask_loadu_ps(_mm512_set1_ps(fill), lanes(n), p)};
}
#else
inline V load_strided(const float* p, int64_t stride, int64_t n) {
  if (n == 8 && stride == 1) return V::load(p);
  if (n == 8 && stride == 2) {  // p[0..15): even lanes of p[0..8) and odd lanes of p[7..15)
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 7);
    const __m256 mixed = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 2, 0));  // p0 p2 p8 p10 | p4 p6 p12 p14
    return {_mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(mixed), _MM_SHUFFLE(3, 1, 2, 0)))};
  }
  if (n == 8) {
    const __m256i at = _mm256_mullo_epi32(_mm256_set_epi32(7, 6, 5, 4, 3, 2, 1, 0),
                                          _mm256_set1_epi32(static_cast<int>(stride)));
    return {_mm256_i32gather_ps(p, at, 4)};
  }
  alignas(32) float tmp[8] = {};
  for (int64_t i = 0; i < n; ++i) tmp[i] = p[i * stride];
  return V::load(tmp);
}

// Lanes [first, end) read row[c0 + lane * stride]; the others are `fill` (a border vector: the
// first and last of a row at most, so a plain lane loop).
inline V load_clipped(const float* row, int64_t c0, int64_t stride, int64_t first, int64_t end, float fill) {
  alignas(32) float tmp[8];
  for (int64_t i = 0; i < 8; ++i) tmp[i] = i >= first && i < end ? row[c0 + i * stride] : fill;
  return V::load(tmp);
}

inline void store_lanes(V v, float* p, int64_t n) {
  if (n == 8) v.store(p);
  else store_tail(v, p, static_cast<size_t>(n));
}

inline V load_lanes(const float* p, int64_t n, float fill) {
  return n == 8 ? V::load(p) : load_tail(p, static_cast<size_t>(n), fill);
}
#endif

// Pools one plane with the reduction (kMax) and the stride (kStride: 1, 2, or 0 for any) fixed at
// compile time. clip[2 (v kw + kx) + {0, 1}]: the lanes [first, end) of output vector v whose tap
// kx lies inside the row; whole[v]: every tap of vector v is a full, unclipped load.
template <bool kMax, int kStride>
void pool_rows(const PoolGeometry& g, const float* in, float* out, const float* taps_x, const int64_t* clip,
               const uint8_t* whole) {
  const float fill = kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  const int64_t stride = kStride == 0 ? g.sw : kStride, vectors = (g.ow + W - 1) / W;
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    int64_t taps_y = 0, padded_y = 0;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      taps_y += iy >= 0 && iy < g.h;
      padded_y += iy >= -g.pt && iy < g.h + g.pb;
    }
    const V row_taps = V::set1(static_cast<float>(g.include_pad ? padded_y : taps_y));
    for (int64_t v = 0; v < vectors; ++v) {
      const int64_t ox = v * W, n = std::min<int64_t>(W, g.ow - ox);
      const int64_t* lanes_in = clip + 2 * v * g.kw;
      V acc = V::set1(fill);
      for (int64_t ky = 0; ky < g.kh; ++ky) {  // the reference's tap order: ky, then kx
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const float* row = in + iy * g.w - g.pl + ox * stride;  // lane 0's column + pl
        if (whole[v]) {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const V x = load_strided(row + kx * g.dw, stride, W);
            acc = kMax ? vmax(x, acc) : acc + x;  // vmax(x, acc) keeps acc on NaN, as std::max(acc, x)
          }
        } else {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            const int64_t first = lanes_in[2 * kx], end = lanes_in[2 * kx + 1];
            const V x = first == 0 && end == n ? load_strided(row + kx * g.dw, stride, n)
                                               : load_clipped(row, kx * g.dw, stride, first, end, fill);
            acc = kMax ? vmax(x, acc) : acc + x;
          }
        }
      }
      if (!kMax) acc = acc / vmax(V::set1(1.0f), row_taps * load_lanes(taps_x + ox, n, 1.0f));  // max(1, taps), exact
      store_lanes(acc, out + oy * g.ow + ox, n);
    }
  }
}

void pool_plane(const PoolGeometry& g, const float* in, float* out, const float* column_taps) {
  const float* taps_x = g.include_pad ? column_taps + g.ow : column_taps;
  const int64_t vectors = (g.ow + W - 1) / W;
  std::vector<int64_t> clip(static_cast<size_t>(2 * vectors * g.kw));
  std::vector<uint8_t> whole(static_cast<size_t>(vectors));
  for (int64_t v = 0; v < vectors; ++v) {
    const int64_t n = std::min<int64_t>(W, g.ow - v * W);
    whole[v] = n == W;
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const int64_t c0 = v * W * g.sw - g.pl + kx * g.dw;
      const int64_t first = c0 >= 0 ? 0 : std::min(n, (-c0 + g.sw - 1) / g.sw);
      const int64_t end = c0 >= g.w ? first : std::max(first, std::min(n, (g.w - 1 - c0) / g.sw + 1));
      clip[2 * (v * g.kw + kx)] = first;
      clip[2 * (v * g.kw + kx) + 1] = end;
      whole[v] = whole[v] && first == 0 && end == n;
    }
  }
  const int64_t* c = clip.data();
  const uint8_t* w = whole.data();
  if (g.max) {
    if (g.sw == 1) pool_rows<true, 1>(g, in, out, taps_x, c, w);
    else if (g.sw == 2) pool_rows<true, 2>(g, in, out, taps_x, c, w);
    else pool_rows<true, 0>(g, in, out, taps_x, c, w);
  } else {
    if (g.sw == 1) pool_rows<false, 1>(g, in, out, taps_x, c, w);
    else if (g.sw == 2) pool_rows<false, 2>(g, in, out, taps_x, c, w);
    else pool_rows<false, 0>(g, in, out, taps_x, c, w);
  }
}

// Four accumulators over the plane, then one horizontal max / sum.
float pool_global(bool max, const float* x, int64_t n) {
  const float fill = max ? -std::numeric_limits<float>::infinity() : 0.0f;
  V a0 = V::set1(fill), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const V v0 = V::load(x + i), v1 = V::load(x + i + W), v2 = V::load(x + i + 2 * W), v3 = V::load(x + i + 3 * W);
    a0 = max ? vmax(v0, a0) : a0 + v0;
    a1 = max ? vmax(v1, a1) : a1 + v1;
    a2 = max ? vmax(v2, a2) : a2 + v2;
    a3 = max ? vmax(v3, a3) : a3 + v3;
  }
  for (; i < n; i += W) {
    const V v = load_lanes(x + i, std::min<int64_t>(W, n - i), fill);
    a0 = max ? vmax(v, a0) : a0 + v;
  }
  if (max) return hmax(vmax(vmax(a0, a1), vmax(a2, a3)));
  return hsum((a0 + a1) + (a2 + a3)) / static_cast<float>(std::max<int64_t>(1, n));
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_POOL_NCHW(isa)                                                                   \
  namespace kiln {                                                                                   \
  void f32_pool_plane_nchw__##isa(const PoolGeometry& g, const float* in, float* out, const float* taps) { \
    pool_plane(g, in, out, taps);                                                                            \
  }                                                                                                  \
  float f32_pool_global__##isa(bool max, const float* x, int64_t n) { return pool_global(max, x, n); } \
  }
