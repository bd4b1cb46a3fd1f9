// AVX2+FMA f32 GEMM microkernels: MR x (8*NV) register tiles (MR*NV accumulators, NV B vectors
// and a broadcast in 16 ymm registers): 6x16, and 4x24 for channel counts that are multiples of
// 24 but not of 16 (24, 72, 120, ...), where 6x16 would fill half of its last panel.
#include <immintrin.h>

#include <cassert>
#include <cmath>
#include <utility>

#include "ukernels.h"
#include "vmath-avx2.h"

namespace kiln::f32_gemm {
namespace {

// Multiply-adds kc steps of MR rows (row i at a[i] + k * kStep) into an MR x 8NV accumulator tile,
// on local copies of the accumulators. Inlined: the k loop keeps every accumulator in a register
// (checked in GCC 12's assembly). Out of line, the tile went through memory on every call, which
// cost short-K tiles (1x1 convs with 16-32 input channels) about a third of their time.
template <int MR, int NV, int kStep>
__attribute__((always_inline)) inline const float* madd_rows(__m256 (&acc)[MR][NV], const float* const (&a)[MR], int64_t kc,
                                                 const float* b) {
  __m256 sum[MR][NV];
  const float* row[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j) sum[i][j] = acc[i][j];
    row[i] = a[i];
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m256 bv[NV];
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j) bv[j] = _mm256_load_ps(b + 8 * j);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(row[i] + k * kStep);
#pragma GCC unroll 3
      for (int j = 0; j < NV; ++j) sum[i][j] = _mm256_fmadd_ps(av, bv[j], sum[i][j]);
    }
    b += 8 * NV;
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j) acc[i][j] = sum[i][j];
  }
  return b;
}

// How a tile's activation runs: none, a clamp (ReLU, Clip: two instructions per vector), or any
// other through avx2::activate. Decided once per tile: avx2::activate's switch on every vector
// cost short-K tiles (1x1 convs with 16-32 input channels) about a sixth of their time.
enum class ActivationPath { kNone, kClamp, kOther };

// Stores rows [0, mr) of the tile: + C (accumulate), then scale, bias, residual, activation in
// registers. Only a partly filled vector of the tile is read and stored masked, and an empty one
// is not stored (vmaskmovps stores are microcoded on AMD Zen, about ten times a plain store).
// kFull: all 8NV columns, decided at compile time.
template <bool kFull, ActivationPath kPath, int MR, int NV>
void store_tile_as(__m256 (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                   const TileEpilogue* tile) {
  __m256i mask[NV];
#pragma GCC unroll 3
  for (int j = 0; j < NV; ++j) {
    const int64_t left = nr - 8 * j;
    mask[j] = avx2::tail_mask(left >= 8 ? 8 : left > 0 ? left : 0);
  }
  auto whole = [&](int j) { return kFull || nr >= 8 * (j + 1); };
  auto load = [&](const float* p, int j) { return whole(j) ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask[j]); };
  __m256 bias[NV];
#pragma GCC unroll 3
  for (int j = 0; j < NV; ++j) {
    bias[j] = tile != nullptr && tile->bias != nullptr && nr > 8 * j ? load(tile->bias + 8 * j, j)
                                                                      : _mm256_setzero_ps();
  }
  __m256 lo = _mm256_set1_ps(-INFINITY), hi = _mm256_set1_ps(INFINITY);
  if (kPath == ActivationPath::kClamp) {
    const Epilogue& e = *tile->epilogue;
    lo = e.activation == Activation::kRelu ? _mm256_setzero_ps() : _mm256_set1_ps(e.alpha);
    if (e.activation == Activation::kClip) hi = _mm256_set1_ps(e.beta);
  }
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    const float* res = tile != nullptr && tile->residual != nullptr
                           ? tile->residual + i * tile->residual_stride
                           : nullptr;
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j) {
      if (nr <= 8 * j) break;
      __m256 v = acc[i][j];
      if (accumulate) v = _mm256_add_ps(v, load(row + 8 * j, j));
      if (tile != nullptr) {
        if (tile->epilogue->scale != 1.0f) v = _mm256_mul_ps(v, _mm256_set1_ps(tile->epilogue->scale));
        v = _mm256_add_ps(v, bias[j]);
        if (res != nullptr) v = _mm256_add_ps(v, load(res + 8 * j, j));
        if (kPath == ActivationPath::kClamp) v = _mm256_min_ps(_mm256_max_ps(v, lo), hi);
        if (kPath == ActivationPath::kOther) v = avx2::activate(v, *tile->epilogue);
      }
      if (whole(j)) _mm256_storeu_ps(row + 8 * j, v);
      else _mm256_maskstore_ps(row + 8 * j, mask[j], v);
    }
  }
}

template <ActivationPath kPath, int MR, int NV>
void store_tile_with(__m256 (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                     const TileEpilogue* tile) {
  if (nr == 8 * NV) store_tile_as<true, kPath>(acc, c, ldc, mr, nr, accumulate, tile);
  else store_tile_as<false, kPath>(acc, c, ldc, mr, nr, accumulate, tile);
}

template <int MR, int NV>
inline void store_tile(__m256 (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                       const TileEpilogue* tile) {
  const Activation activation = tile != nullptr ? tile->epilogue->activation : Activation::kNone;
  if (activation == Activation::kNone) {
    store_tile_with<ActivationPath::kNone>(acc, c, ldc, mr, nr, accumulate, tile);
  } else if (activation == Activation::kRelu || activation == Activation::kClip) {
    store_tile_with<ActivationPath::kClamp>(acc, c, ldc, mr, nr, accumulate, tile);
  } else {
    store_tile_with<ActivationPath::kOther>(acc, c, ldc, mr, nr, accumulate, tile);
  }
}

template <int MR, int NV>
inline void zero_tile(__m256 (&acc)[MR][NV]) {
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 3
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();
  }
}

// Packed-A tile: A is the MR-interleaved panel (rows >= mr are zero padding).
template <int MR, int NV>
void packed_avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr, int64_t nr,
                 bool accumulate) {
  assert(kc >= 1 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 8 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  __m256 acc[MR][NV];
  zero_tile(acc);
  const float* rows[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) rows[i] = a + i;
  madd_rows<MR, NV, MR>(acc, rows, kc, b);
  store_tile(acc, c, ldc, mr, nr, accumulate, nullptr);
}

// In-place-A tile (MR = rows actually present), epilogue in registers.
template <int MR, int NV>
__attribute__((noinline)) void direct_avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                 int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m256 acc[MR][NV];
  zero_tile(acc);
  const float* rows[MR];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) rows[i] = a + i * lda;
  madd_rows<MR, NV, 1>(acc, rows, kc, b);
  store_tile(acc, c, ldc, MR, nr, accumulate, tile);
}

// Indirect tile: row i is the concatenation over taps t of cin floats at a[t * stride + i]; a tap
// whose first entry is null is padding in every row, skipped.
template <int MR, int NV>
void indirect_avx2(int64_t taps, const float* const* a, int64_t stride, int64_t cin, const float* b, float* c,
                   int64_t ldc, int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m256 acc[MR][NV];
  zero_tile(acc);
  for (int64_t t = 0; t < taps; ++t) {
    if (a[t * stride] == nullptr) {
      b += cin * 8 * NV;
      continue;
    }
    const float* rows[MR];
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) rows[i] = a[t * stride + i];
    b = madd_rows<MR, NV, 1>(acc, rows, cin, b);
  }
  store_tile(acc, c, ldc, MR, nr, accumulate, tile);
}

template <int NV, int... Rows>
void direct_dispatch(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, int64_t mr,
                     int64_t nr, bool accumulate, const TileEpilogue* tile, std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t, bool,
                      const TileEpilogue*);
  static constexpr Fn kByRows[] = {direct_avx2<Rows + 1, NV>...};
  assert(kc >= 1 && mr >= 1 && mr <= static_cast<int64_t>(sizeof...(Rows)) && nr >= 1 && nr <= 8 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  kByRows[mr - 1](kc, a, lda, b, c, ldc, nr, accumulate, tile);
}

template <int NV, int... Rows>
void indirect_dispatch(int64_t taps, const float* const* a, int64_t cin, const float* b, float* c, int64_t ldc,
                       int64_t mr, int64_t nr, bool accumulate, const TileEpilogue* tile,
                       std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const float* const*, int64_t, int64_t, const float*, float*, int64_t, int64_t, bool,
                      const TileEpilogue*);
  static constexpr Fn kByRows[] = {indirect_avx2<Rows + 1, NV>...};
  constexpr int64_t kMr = sizeof...(Rows);
  assert(taps >= 1 && cin >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 8 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 31) == 0);
  kByRows[mr - 1](taps, a, kMr, cin, b, c, ldc, nr, accumulate, tile);
}

}  // namespace

// One variant's three entry points: packed A, in-place A, indirect A.
#define KILN_F32_GEMM_AVX2(mr, nv, nr)                                                                             \
  void f32_gemm_##mr##x##nr##__avx2(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,             \
                                    int64_t rows, int64_t cols, bool accumulate) {                                  \
    packed_avx2<mr, nv>(kc, a, b, c, ldc, rows, cols, accumulate);                                                 \
  }                                                                                                                \
  void f32_gemm_direct_##mr##x##nr##__avx2(int64_t kc, const float* a, int64_t lda, const float* b, float* c,      \
                                           int64_t ldc, int64_t rows, int64_t cols, bool accumulate,               \
                                           const TileEpilogue* tile) {                                             \
    direct_dispatch<nv>(kc, a, lda, b, c, ldc, rows, cols, accumulate, tile, std::make_integer_sequence<int, mr>()); \
  }                                                                                                                \
  void f32_gemm_indirect_##mr##x##nr##__avx2(int64_t taps, const float* const* a, int64_t cin, const float* b,    \
                                             float* c, int64_t ldc, int64_t rows, int64_t cols, bool accumulate,   \
                                             const TileEpilogue* tile) {                                           \
    indirect_dispatch<nv>(taps, a, cin, b, c, ldc, rows, cols, accumulate, tile,                                  \
                          std::make_integer_sequence<int, mr>());                                                  \
  }
KILN_F32_GEMM_AVX2(6, 2, 16)
KILN_F32_GEMM_AVX2(4, 3, 24)
#undef KILN_F32_GEMM_AVX2

void f32_epilogue_row__avx2(float* c, int64_t n, const float* bias, const float* residual,
                            const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx2::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
