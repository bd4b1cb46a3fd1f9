// AVX2+FMA f32 GEMM microkernel: 6x16 register tile (12 accumulators + 2 B vectors + broadcast).
#include <immintrin.h>

#include <cassert>

#include "ukernels.h"
#include "vmath-avx2.h"

namespace kiln::f32_gemm {
namespace {

// Multiply-adds kc steps of MR rows (row i at a[i] + k) into a 6x16 accumulator tile. Out of line,
// on local copies of the accumulators: inlined into its callers, GCC 12 kept the tile's home on the
// stack (the epilogue's masks and bias are live across the loop and 16 ymm registers do not hold
// them all) and stored every accumulator on every k step.
template <int MR>
__attribute__((noinline)) const float* madd_rows(__m256 (&acc)[MR][2], const float* const (&a)[MR], int64_t kc,
                                                 const float* b) {
  __m256 sum[MR][2];
  const float* row[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    sum[i][0] = acc[i][0];
    sum[i][1] = acc[i][1];
    row[i] = a[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(row[i] + k);
      sum[i][0] = _mm256_fmadd_ps(av, b0, sum[i][0]);
      sum[i][1] = _mm256_fmadd_ps(av, b1, sum[i][1]);
    }
    b += 16;
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = sum[i][0];
    acc[i][1] = sum[i][1];
  }
  return b;
}

// Stores the tile: + C (accumulate), then scale, bias, residual, activation in registers. Only a
// partly filled vector of the tile is read and stored masked, and an empty one is not stored
// (vmaskmovps stores are microcoded on AMD Zen, about ten times a plain store). kFull: all 16
// columns, decided at compile time.
template <bool kFull, int MR>
inline void store_tile_as(__m256 (&acc)[MR][2], float* c, int64_t ldc, int64_t nr, bool accumulate,
                          const TileEpilogue* tile) {
  const __m256i mask[2] = {avx2::tail_mask(nr >= 8 ? 8 : nr),
                           avx2::tail_mask(nr >= 16 ? 8 : nr > 8 ? nr - 8 : 0)};
  auto whole = [&](int j) { return kFull || nr >= 8 * (j + 1); };
  auto load = [&](const float* p, int j) { return whole(j) ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask[j]); };
  __m256 bias[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  if (tile != nullptr && tile->bias != nullptr) {
    bias[0] = load(tile->bias, 0);
    bias[1] = load(tile->bias + 8, 1);
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    const float* res = tile != nullptr && tile->residual != nullptr
                           ? tile->residual + i * tile->residual_stride
                           : nullptr;
    for (int j = 0; j < 2; ++j) {
      __m256 v = acc[i][j];
      if (accumulate) v = _mm256_add_ps(v, load(row + 8 * j, j));
      if (tile != nullptr) {
        if (tile->epilogue->scale != 1.0f) v = _mm256_mul_ps(v, _mm256_set1_ps(tile->epilogue->scale));
        v = _mm256_add_ps(v, bias[j]);
        if (res != nullptr) v = _mm256_add_ps(v, load(res + 8 * j, j));
        v = avx2::activate(v, *tile->epilogue);
      }
      if (whole(j)) _mm256_storeu_ps(row + 8 * j, v);
      else if (nr > 8 * j) _mm256_maskstore_ps(row + 8 * j, mask[j], v);
    }
  }
}

template <int MR>
inline void store_tile(__m256 (&acc)[MR][2], float* c, int64_t ldc, int64_t nr, bool accumulate,
                       const TileEpilogue* tile) {
  if (nr == 16) store_tile_as<true>(acc, c, ldc, nr, accumulate, tile);
  else store_tile_as<false>(acc, c, ldc, nr, accumulate, tile);
}

// In-place-A 6x16 tile (MR = rows actually present), epilogue in registers.
template <int MR>
void direct_avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                 int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  const float* rows[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) rows[i] = a + i * lda;
  madd_rows(acc, rows, kc, b);
  store_tile(acc, c, ldc, nr, accumulate, tile);
}

// Indirect 6x16 tile: row i is the concatenation over taps t of cin floats at a[t * 6 + i].
template <int MR>
void indirect_avx2(int64_t taps, const float* const* a, int64_t cin, const float* b, float* c,
                   int64_t ldc, int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m256 acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t t = 0; t < taps; ++t) {
    const float* rows[MR];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) rows[i] = a[t * 6 + i];
    b = madd_rows(acc, rows, cin, b);
  }
  store_tile(acc, c, ldc, nr, accumulate, tile);
}

}  // namespace

void f32_gemm_direct_6x16__avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                                int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                const TileEpilogue* tile) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t, bool,
                      const TileEpilogue*);
  static constexpr Fn kByRows[] = {direct_avx2<1>, direct_avx2<2>, direct_avx2<3>,
                                   direct_avx2<4>, direct_avx2<5>, direct_avx2<6>};
  assert(kc >= 1 && mr >= 1 && mr <= 6 && nr >= 1 && nr <= 16);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  kByRows[mr - 1](kc, a, lda, b, c, ldc, nr, accumulate, tile);
}

void f32_gemm_6x16__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                         int64_t mr, int64_t nr, bool accumulate) {
  constexpr int kMr = 6;
  assert(kc >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 16);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  __m256 acc[kMr][2];
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_load_ps(b);
    const __m256 b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += kMr;
    b += 16;
  }
  if (mr == kMr && nr == 16) {
#pragma GCC unroll 8
    for (int i = 0; i < kMr; ++i) {
      float* row = c + i * ldc;
      __m256 v0 = acc[i][0], v1 = acc[i][1];
      if (accumulate) {
        v0 = _mm256_add_ps(v0, _mm256_loadu_ps(row));
        v1 = _mm256_add_ps(v1, _mm256_loadu_ps(row + 8));
      }
      _mm256_storeu_ps(row, v0);
      _mm256_storeu_ps(row + 8, v1);
    }
    return;
  }
  const __m256i m0 = avx2::tail_mask(nr >= 8 ? 8 : nr);
  const __m256i m1 = avx2::tail_mask(nr >= 16 ? 8 : nr > 8 ? nr - 8 : 0);
#pragma GCC unroll 8
  for (int i = 0; i < kMr; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    __m256 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm256_add_ps(v0, _mm256_maskload_ps(row, m0));
      v1 = _mm256_add_ps(v1, _mm256_maskload_ps(row + 8, m1));
    }
    _mm256_maskstore_ps(row, m0, v0);
    _mm256_maskstore_ps(row + 8, m1, v1);
  }
}

void f32_gemm_indirect_6x16__avx2(int64_t taps, const float* const* a, int64_t cin, const float* b,
                                  float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                  const TileEpilogue* tile) {
  using Fn = void (*)(int64_t, const float* const*, int64_t, const float*, float*, int64_t, int64_t,
                      bool, const TileEpilogue*);
  static constexpr Fn kByRows[] = {indirect_avx2<1>, indirect_avx2<2>, indirect_avx2<3>,
                                   indirect_avx2<4>, indirect_avx2<5>, indirect_avx2<6>};
  assert(taps >= 1 && cin >= 1 && mr >= 1 && mr <= 6 && nr >= 1 && nr <= 16);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  kByRows[mr - 1](taps, a, cin, b, c, ldc, nr, accumulate, tile);
}

void f32_epilogue_row__avx2(float* c, int64_t n, const float* bias, const float* residual,
                            const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx2::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
