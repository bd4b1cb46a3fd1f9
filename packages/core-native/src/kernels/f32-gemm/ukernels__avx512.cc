// AVX-512 f32 GEMM microkernels: MR x (16*NV) register tiles, B panel loaded once per k step,
// A elements broadcast from the MR-interleaved packed panel.
#include <immintrin.h>

#include <cassert>
#include <utility>

#include "ukernels.h"
#include "vmath-avx512.h"

namespace kiln::f32_gemm {
namespace {

template <int MR, int NV>
void ukernel_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr,
                    int64_t nr, bool accumulate) {
  assert(kc >= 1 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += 16 * NV;
  }
  if (mr == MR && nr == 16 * NV) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      float* row = c + i * ldc;
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) {
        __m512 v = acc[i][j];
        if (accumulate) v = _mm512_add_ps(v, _mm512_loadu_ps(row + 16 * j));
        _mm512_storeu_ps(row + 16 * j, v);
      }
    }
    return;
  }
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int64_t left = nr - 16 * j;
    mask[j] = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], row + 16 * j));
      _mm512_mask_storeu_ps(row + 16 * j, mask[j], v);
    }
  }
}

// Stores an MR x (16*NV) accumulator tile: + C (accumulate), then the tile epilogue (bias,
// residual, activation) in registers; columns past nr are masked off.
template <int MR, int NV>
inline void store_tile(__m512 (&acc)[MR][NV], float* c, int64_t ldc, int64_t nr, bool accumulate,
                       const TileEpilogue* tile) {
  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    const int64_t left = nr - 16 * j;
    mask[j] = left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
  }
  __m512 bias[NV];
  const bool has_bias = tile != nullptr && tile->bias != nullptr;
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) {
    bias[j] = has_bias ? _mm512_maskz_loadu_ps(mask[j], tile->bias + 16 * j) : _mm512_setzero_ps();
  }
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    const float* res = tile != nullptr && tile->residual != nullptr
                           ? tile->residual + i * tile->residual_stride
                           : nullptr;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], row + 16 * j));
      if (tile != nullptr) {
        v = _mm512_add_ps(v, bias[j]);
        if (res != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], res + 16 * j));
        v = avx512::activate(v, *tile->epilogue);
      }
      _mm512_mask_storeu_ps(row + 16 * j, mask[j], v);
    }
  }
}

// Multiply-adds kc steps of MR rows (row i at a[i] + k) into acc, B advancing 16*NV per step.
template <int MR, int NV>
inline const float* madd_rows(__m512 (&acc)[MR][NV], const float* const (&a)[MR], int64_t kc,
                              const float* b) {
  for (int64_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i][k]);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    b += 16 * NV;
  }
  return b;
}

template <int MR, int NV>
inline void zero_tile(__m512 (&acc)[MR][NV]) {
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
}

// In-place-A tile: MR rows of A read with stride lda (MR is the tile's actual row count; the
// dispatcher below picks the instantiation for the rows left), epilogue applied in registers.
template <int MR, int NV>
void direct_avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                   int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m512 acc[MR][NV];
  zero_tile(acc);
  const float* rows[MR];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) rows[i] = a + i * lda;
  madd_rows(acc, rows, kc, b);
  store_tile(acc, c, ldc, nr, accumulate, tile);
}

// Indirect tile (convolution without im2col): A's row i is the concatenation over taps t of the
// `cin` floats at a[t * stride + i] (an input pixel, or a zero row for padding). B is the conv's
// packed weights, k = (tap, ci) major to minor, exactly as im2col would order it.
template <int MR, int NV>
void indirect_avx512(int64_t taps, const float* const* a, int64_t stride, int64_t cin,
                     const float* b, float* c, int64_t ldc, int64_t nr, bool accumulate,
                     const TileEpilogue* tile) {
  __m512 acc[MR][NV];
  zero_tile(acc);
  for (int64_t t = 0; t < taps; ++t) {
    const float* rows[MR];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) rows[i] = a[t * stride + i];
    b = madd_rows(acc, rows, cin, b);
  }
  store_tile(acc, c, ldc, nr, accumulate, tile);
}

template <int NV, int... Rows>
void direct_dispatch(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                     int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                     const TileEpilogue* tile, std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t,
                      bool, const TileEpilogue*);
  static constexpr Fn kByRows[] = {direct_avx512<Rows + 1, NV>...};
  assert(kc >= 1 && mr >= 1 && mr <= static_cast<int64_t>(sizeof...(Rows)) && nr >= 1 &&
         nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  kByRows[mr - 1](kc, a, lda, b, c, ldc, nr, accumulate, tile);
}

template <int NV, int... Rows>
void indirect_dispatch(int64_t taps, const float* const* a, int64_t cin, const float* b,
                       float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                       const TileEpilogue* tile, std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const float* const*, int64_t, int64_t, const float*, float*,
                      int64_t, int64_t, bool, const TileEpilogue*);
  static constexpr Fn kByRows[] = {indirect_avx512<Rows + 1, NV>...};
  constexpr int64_t kMr = sizeof...(Rows);
  assert(taps >= 1 && cin >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  kByRows[mr - 1](taps, a, kMr, cin, b, c, ldc, nr, accumulate, tile);
}

}  // namespace

void f32_gemm_direct_14x32__avx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                   float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                   const TileEpilogue* tile) {
  direct_dispatch<2>(kc, a, lda, b, c, ldc, mr, nr, accumulate, tile,
                     std::make_integer_sequence<int, 14>());
}
void f32_gemm_direct_12x32__avx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                   float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                   const TileEpilogue* tile) {
  direct_dispatch<2>(kc, a, lda, b, c, ldc, mr, nr, accumulate, tile,
                     std::make_integer_sequence<int, 12>());
}
void f32_gemm_direct_8x48__avx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                  float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                  const TileEpilogue* tile) {
  direct_dispatch<3>(kc, a, lda, b, c, ldc, mr, nr, accumulate, tile,
                     std::make_integer_sequence<int, 8>());
}
void f32_gemm_direct_6x32__avx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                  float* c, int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                                  const TileEpilogue* tile) {
  direct_dispatch<2>(kc, a, lda, b, c, ldc, mr, nr, accumulate, tile,
                     std::make_integer_sequence<int, 6>());
}

#define KILN_INDIRECT_AVX512(name, nv, rows)                                                   \
  void name(int64_t taps, const float* const* a, int64_t cin, const float* b, float* c,       \
            int64_t ldc, int64_t mr, int64_t nr, bool accumulate, const TileEpilogue* tile) { \
    indirect_dispatch<nv>(taps, a, cin, b, c, ldc, mr, nr, accumulate, tile,                  \
                          std::make_integer_sequence<int, rows>());                           \
  }
KILN_INDIRECT_AVX512(f32_gemm_indirect_14x32__avx512, 2, 14)
KILN_INDIRECT_AVX512(f32_gemm_indirect_12x32__avx512, 2, 12)
KILN_INDIRECT_AVX512(f32_gemm_indirect_8x48__avx512, 3, 8)
KILN_INDIRECT_AVX512(f32_gemm_indirect_6x32__avx512, 2, 6)
#undef KILN_INDIRECT_AVX512

void f32_gemm_6x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<6, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_12x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<12, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_14x32__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                            int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<14, 2>(kc, a, b, c, ldc, mr, nr, accumulate);
}
void f32_gemm_8x48__avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                           int64_t mr, int64_t nr, bool accumulate) {
  ukernel_avx512<8, 3>(kc, a, b, c, ldc, mr, nr, accumulate);
}

void f32_epilogue_row__avx512(float* c, int64_t n, const float* bias, const float* residual,
                              const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx512::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
