// Vector body of NCHW pooling (pool_nchw.h), compiled once per ISA TU (see kernels/simd/vec.h).
// Output pixels ox0..ox0+n of one row read each tap at input columns ox * sw + const: a strided
// load of n lanes. Lanes accumulate in the reference's tap order (and divide, not multiply), so
// windowed pooling matches the scalar reference bit for bit.
#pragma once

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

inline void store_lanes(V v, float* p, int64_t n) {
  if (n == 8) v.store(p);
  else store_tail(v, p, static_cast<size_t>(n));
}

inline V load_lanes(const float* p, int64_t n, float fill) {
  return n == 8 ? V::load(p) : load_tail(p, static_cast<size_t>(n), fill);
}
#endif

void pool_plane(const PoolGeometry& g, const float* in, float* out) {
  int64_t begin, end;
  pool_interior(g, &begin, &end);
  const float lowest = -std::numeric_limits<float>::infinity();
  for (int64_t oy = 0; oy < g.oh; ++oy) {
    float* row = out + oy * g.ow;
    for (int64_t ox = 0; ox < begin; ++ox) row[ox] = pool_pixel_nchw(g, in, oy, ox);
    int64_t taps_y = 0, padded_y = 0;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
      taps_y += iy >= 0 && iy < g.h;
      padded_y += iy >= -g.pt && iy < g.h + g.pb;
    }
    const V divisor = V::set1(static_cast<float>(std::max<int64_t>(1, (g.include_pad ? padded_y : taps_y) * g.kw)));
    for (int64_t ox = begin; ox < end; ox += W) {
      const int64_t n = std::min<int64_t>(W, end - ox);
      V acc = g.max ? V::set1(lowest) : V::zero();
      for (int64_t ky = 0; ky < g.kh; ++ky) {
        const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const float* taps = in + iy * g.w + ox * g.sw - g.pl;
        for (int64_t kx = 0; kx < g.kw; ++kx) {
          const V v = load_strided(taps + kx * g.dw, g.sw, n);
          acc = g.max ? vmax(v, acc) : acc + v;  // vmax(v, acc) keeps acc on NaN, as std::max(acc, v)
        }
      }
      store_lanes(g.max ? acc : acc / divisor, row + ox, n);
    }
    for (int64_t ox = end; ox < g.ow; ++ox) row[ox] = pool_pixel_nchw(g, in, oy, ox);
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
  void f32_pool_plane_nchw__##isa(const PoolGeometry& g, const float* in, float* out) {             \
    pool_plane(g, in, out);                                                                          \
  }                                                                                                  \
  float f32_pool_global__##isa(bool max, const float* x, int64_t n) { return pool_global(max, x, n); } \
  }
