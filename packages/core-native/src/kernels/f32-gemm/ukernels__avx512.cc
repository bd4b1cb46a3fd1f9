// AVX-512 f32 GEMM microkernels: MR x (16*NV) register tiles, B panel loaded once per k step,
// A elements broadcast (packed panel, in place, or through an indirection table).
#include <immintrin.h>

#include <cassert>
#include <cmath>
#include <utility>

#include "in_place_rows.h"
#include "ukernels.h"
#include "vmath-avx512.h"

namespace kiln::f32_gemm {
namespace {

template <int MR, int NV>
inline void zero_tile(__m512 (&acc)[MR][NV]) {
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();
  }
}

// B is fetched into L1 this many k steps ahead. A tile reads its B panel once per row tile, front
// to back; when the panel comes from L3 (weights of several MB: ResNet-50's 3x3 and strided 1x1
// convs at 7x7, 8-9 MB each) the hardware prefetchers left the tile waiting on it, at about half
// its FMA rate on an Intel Xeon with AMX (bench/kernels.sh, 1 thread: 14x14x512->512 3x3 s2 1.92
// -> 1.38 ms, 14x14x1024->2048 1x1 s2 1.74 -> 1.25 ms). Where B is already in L1 or L2 the fetches
// cost a load slot each and changed the fastest variant's time by under the bench's noise.
constexpr int kBAhead = 16;

// One k step: acc[i][j] += a_i * b[16j .. 16j+16) for the MR broadcast values a_i.
template <int MR, int NV, typename RowValue>
inline void madd_step(__m512 (&acc)[MR][NV], const float* b, RowValue a) {
  __m512 bv[NV];
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) bv[j] = _mm512_load_ps(b + 16 * j);
#pragma GCC unroll 4
  for (int j = 0; j < NV; ++j) _mm_prefetch(reinterpret_cast<const char*>(b + 16 * NV * kBAhead + 16 * j), _MM_HINT_T0);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    const __m512 av = _mm512_set1_ps(a(i));
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
  }
}

// How the tile epilogue's activation runs: in registers when it is a clamp or a select, or SiLU,
// HardSwish or erf GELU in a variant's full tiles (about 80 KB of code each); else on the stored
// rows (sigmoid, tanh, tanh GELU, and all of them in edge tiles), which keeps every tile
// instantiation small: in registers in all of them (one per row count), SiLU alone would add
// about 250 KB. On the rows, SiLU took about 1.6x its time in registers (Zen 4, a 16->96 1x1
// conv: 0.84 against 0.66 ms with the GEMM's 0.46), erf GELU 1.35x.
enum class ActivationPath { kNone, kClamp, kLeaky, kSilu, kHardSwish, kGeluErf, kRows };

// Stores rows [0, mr) of an MR x (16*NV) accumulator tile: + C (accumulate), · scale, + bias,
// + residual, then the activation; columns past nr are masked off. kFull: MR is the variant's
// full row count (see ActivationPath).
template <int MR, int NV, bool kFull = false>
inline void store_tile(__m512 (&acc)[MR][NV], float* c, int64_t ldc, int64_t mr, int64_t nr,
                       bool accumulate, const TileEpilogue* tile) {
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
  ActivationPath path = ActivationPath::kNone;
  __m512 lo = _mm512_set1_ps(-INFINITY), hi = _mm512_set1_ps(INFINITY), slope = lo;
  if (tile != nullptr) {
    const Epilogue& e = *tile->epilogue;
    switch (e.activation) {
      case Activation::kNone: break;
      case Activation::kRelu: path = ActivationPath::kClamp, lo = _mm512_setzero_ps(); break;
      case Activation::kClip:
        path = ActivationPath::kClamp, lo = _mm512_set1_ps(e.alpha), hi = _mm512_set1_ps(e.beta);
        break;
      case Activation::kLeakyRelu: path = ActivationPath::kLeaky, slope = _mm512_set1_ps(e.alpha); break;
      case Activation::kSilu: path = kFull ? ActivationPath::kSilu : ActivationPath::kRows; break;
      case Activation::kHardSwish: path = kFull ? ActivationPath::kHardSwish : ActivationPath::kRows; break;
      case Activation::kGeluErf: path = kFull ? ActivationPath::kGeluErf : ActivationPath::kRows; break;
      default: path = ActivationPath::kRows; break;
    }
  }
  const bool has_residual = tile != nullptr && tile->residual != nullptr;
  const bool has_scale = tile != nullptr && tile->epilogue->scale != 1.0f;
  const __m512 scale = _mm512_set1_ps(has_scale ? tile->epilogue->scale : 1.0f);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    float* row = c + i * ldc;
    const float* res = has_residual ? tile->residual + i * tile->residual_stride : nullptr;
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], row + 16 * j));
      if (has_scale) v = _mm512_mul_ps(v, scale);
      if (has_bias) v = _mm512_add_ps(v, bias[j]);
      if (has_residual) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], res + 16 * j));
      if (path == ActivationPath::kClamp) v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      if (path == ActivationPath::kLeaky) {
        const __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
        v = _mm512_mask_mul_ps(v, negative, v, slope);
      }
      if (kFull && path == ActivationPath::kSilu) v = avx512::silu_ps(v);
      if (kFull && path == ActivationPath::kHardSwish) v = avx512::hard_swish_ps(v);
      if (kFull && path == ActivationPath::kGeluErf) v = avx512::gelu_erf_ps(v);
      _mm512_mask_storeu_ps(row + 16 * j, mask[j], v);
    }
  }
  if (path == ActivationPath::kRows) {
    // Rows back to back (a narrow output: ldc == nr, e.g. a conv with one to a few channels)
    // take one call over all of them: per row, each call would fill a vector for nr values.
    if (ldc == nr) return f32_epilogue_row__avx512(c, mr * nr, nullptr, nullptr, *tile->epilogue);
    for (int64_t i = 0; i < mr; ++i) {
      f32_epilogue_row__avx512(c + i * ldc, nr, nullptr, nullptr, *tile->epilogue);
    }
  }
}

// Packed-A tile: A is the MR-interleaved panel (rows >= mr are zero padding).
template <int MR, int NV>
void packed_avx512(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t mr,
                   int64_t nr, bool accumulate) {
  assert(kc >= 1 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512 acc[MR][NV];
  zero_tile(acc);
  for (int64_t k = 0; k < kc; ++k) {
    madd_step(acc, b, [a](int i) { return a[i]; });
    a += MR;
    b += 16 * NV;
  }
  store_tile(acc, c, ldc, mr, nr, accumulate, nullptr);
}

// Fetches the rows of C (and of the residual) that the tile will store before its k loop: a layer
// whose output and residual have left L2 (ResNet-50's 56x56 1x1 convs: 3.2 MB each) otherwise
// waits on every row of them in the epilogue, after the multiply-adds.
template <int MR, int NV>
inline void fetch_tile_rows(const float* c, int64_t ldc, const TileEpilogue* tile) {
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) __builtin_prefetch(c + i * ldc + 16 * j, 1, 3);
  }
  if (tile == nullptr || tile->residual == nullptr) return;
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) __builtin_prefetch(tile->residual + i * tile->residual_stride + 16 * j, 0, 3);
  }
}

// In-place-A tile: MR rows of A read with stride lda (MR is the tile's actual row count; the
// dispatcher below picks the instantiation for the rows left), epilogue applied in registers.
template <int MR, int NV, bool kFull>
void direct_avx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc,
                   int64_t nr, bool accumulate, const TileEpilogue* tile) {
  __m512 acc[MR][NV];
  zero_tile(acc);
  fetch_tile_rows<MR, NV>(c, ldc, tile);
  InPlaceRows<MR> rows(a, lda);
  for (int64_t k = 0; k < kc; ++k) {
    madd_step(acc, b, [&rows](int i) { return *rows.row(i); });
    rows.advance();
    b += 16 * NV;
  }
  store_tile<MR, NV, kFull>(acc, c, ldc, MR, nr, accumulate, tile);
}

// Indirect tile (convolution without im2col): A's row i is the concatenation over taps t of the
// `cin` floats at a[t * stride + i] (an input pixel, or a zero row for padding; a null first
// entry: the tap is padding in every row, skipped). B is the conv's packed weights, k = (tap, ci)
// major to minor, exactly as im2col would order it.
template <int MR, int NV, bool kFull>
void indirect_avx512(int64_t taps, const float* const* a, int64_t stride, int64_t cin,
                     const float* b, float* c, int64_t ldc, int64_t nr, bool accumulate,
                     const TileEpilogue* tile) {
  __m512 acc[MR][NV];
  zero_tile(acc);
  fetch_tile_rows<MR, NV>(c, ldc, tile);
  for (int64_t t = 0; t < taps; ++t) {
    if (a[t * stride] == nullptr) {
      b += cin * 16 * NV;
      continue;
    }
    const float* rows[MR];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) rows[i] = a[t * stride + i];
    for (int64_t k = 0; k < cin; ++k) {
      madd_step(acc, b, [&rows, k](int i) { return rows[i][k]; });
      b += 16 * NV;
    }
  }
  store_tile<MR, NV, kFull>(acc, c, ldc, MR, nr, accumulate, tile);
}

template <int NV, int... Rows>
void direct_dispatch(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                     int64_t ldc, int64_t mr, int64_t nr, bool accumulate,
                     const TileEpilogue* tile, std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, int64_t,
                      bool, const TileEpilogue*);
  static constexpr Fn kByRows[] = {direct_avx512<Rows + 1, NV, Rows + 1 == sizeof...(Rows)>...};
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
  static constexpr Fn kByRows[] = {indirect_avx512<Rows + 1, NV, Rows + 1 == sizeof...(Rows)>...};
  constexpr int64_t kMr = sizeof...(Rows);
  assert(taps >= 1 && cin >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= 16 * NV);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  kByRows[mr - 1](taps, a, kMr, cin, b, c, ldc, nr, accumulate, tile);
}

}  // namespace

// One variant's three entry points: packed A, in-place A, indirect A.
#define KILN_F32_GEMM_AVX512(mr, nv, nr)                                                         \
  void f32_gemm_##mr##x##nr##__avx512(int64_t kc, const float* a, const float* b, float* c,     \
                                      int64_t ldc, int64_t rows, int64_t cols, bool accumulate) { \
    packed_avx512<mr, nv>(kc, a, b, c, ldc, rows, cols, accumulate);                             \
  }                                                                                              \
  void f32_gemm_direct_##mr##x##nr##__avx512(int64_t kc, const float* a, int64_t lda,            \
                                             const float* b, float* c, int64_t ldc, int64_t rows, \
                                             int64_t cols, bool accumulate,                      \
                                             const TileEpilogue* tile) {                         \
    direct_dispatch<nv>(kc, a, lda, b, c, ldc, rows, cols, accumulate, tile,                     \
                        std::make_integer_sequence<int, mr>());                                  \
  }                                                                                              \
  void f32_gemm_indirect_##mr##x##nr##__avx512(int64_t taps, const float* const* a, int64_t cin, \
                                               const float* b, float* c, int64_t ldc,            \
                                               int64_t rows, int64_t cols, bool accumulate,      \
                                               const TileEpilogue* tile) {                       \
    indirect_dispatch<nv>(taps, a, cin, b, c, ldc, rows, cols, accumulate, tile,                 \
                          std::make_integer_sequence<int, mr>());                                \
  }
KILN_F32_GEMM_AVX512(14, 2, 32)
KILN_F32_GEMM_AVX512(12, 2, 32)
KILN_F32_GEMM_AVX512(8, 3, 48)
KILN_F32_GEMM_AVX512(6, 2, 32)
KILN_F32_GEMM_AVX512(28, 1, 16)
#undef KILN_F32_GEMM_AVX512

// Not inlined: the tiles call it for the exp-based activations, once per row.
__attribute__((noinline)) void f32_epilogue_row__avx512(float* c, int64_t n, const float* bias,
                                                        const float* residual,
                                                        const Epilogue& epilogue) {
  assert(c != nullptr && n >= 0);
  avx512::epilogue_row(c, n, bias, residual, epilogue);
}

}  // namespace kiln::f32_gemm
