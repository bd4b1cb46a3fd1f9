// AVX512-BF16 bf16_gemm with bf16 activations (bf16_io.h), on the packed B panels of
// bf16_gemm_14x32c2__avx512bf16: tiles of up to 14 rows x 32 columns whose A rows are read in
// place as bf16 pairs (bf16 rows with whole pairs), or converted once per block of rows (fp32
// rows, rounded as pack_a_bf16_pairs__avx512bf16 rounds them) or copied with a zero past an odd
// K. Each tile is summed in registers per K block of variant.kc with the microkernel's
// vdpbf16ps in its order, the K blocks added in a staging tile as gemm_block adds them in C, and
// each finished row takes the fp32 epilogue and one rounding to bf16 (bf16_finish__avx512.h).
// So the output is the fp32-boundary GEMM's, rounded once, with no widened copy of a bf16 A, C
// or residual and no packed A (the widened path converted each bf16 A value three times).
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "bf16_finish__avx512.h"
#include "bf16_io.h"
#include "kernels/f32-gemm/in_place_rows.h"
#include "kernels/f32-gemm/scratch.h"

namespace kiln::lowp_gemm {
namespace {

// One bf16 pair as a dword (memcpy: the buffer holds uint16_t; one broadcast load).
inline int32_t pair_at(const int32_t* p) {
  int32_t value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

constexpr int kMr = 14;
constexpr int64_t kNr = 32;

// Rows of bf16 A per block (read in place, converted or copied): they stay in L2 next to the B
// panels.
constexpr int64_t kBlockBytes = 256 * 1024;

// sums[MR][32] (+)= A[MR rows][pairs] · B[pairs][32]: row i's pair p is the dword at
// rows.row(i) + p, B the panel's [pairs][32][2] bf16. Out of line, on local accumulators: inlined
// into the tile loop, GCC homed them on the stack (core-native's README, "Adding kernels").
template <int MR>
__attribute__((noinline)) void accumulate(int64_t pairs, const int32_t* a, int64_t lda, const uint16_t* b,
                                          float* sums, bool add) {
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  f32_gemm::InPlaceRows<MR, int32_t> rows(a, lda);
  for (int64_t p = 0; p < pairs; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_load_si512(b);
    const __m512bh b1 = (__m512bh)_mm512_load_si512(b + 32);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512bh av = (__m512bh)_mm512_set1_epi32(pair_at(rows.row(i)));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], av, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], av, b1);
    }
    rows.advance();
    b += 64;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    float* row = sums + i * kNr;
    if (add) {
      // gemm_block's C + tile, per K block after the first.
      _mm512_store_ps(row, _mm512_add_ps(_mm512_load_ps(row), acc[i][0]));
      _mm512_store_ps(row + 16, _mm512_add_ps(_mm512_load_ps(row + 16), acc[i][1]));
    } else {
      _mm512_store_ps(row, acc[i][0]);
      _mm512_store_ps(row + 16, acc[i][1]);
    }
  }
}

template <int... Rows>
void accumulate_rows(int64_t mr, int64_t pairs, const int32_t* a, int64_t lda, const uint16_t* b, float* sums,
                     bool add, std::integer_sequence<int, Rows...>) {
  using Fn = void (*)(int64_t, const int32_t*, int64_t, const uint16_t*, float*, bool);
  static constexpr Fn kByRows[] = {accumulate<Rows + 1>...};
  kByRows[mr - 1](pairs, a, lda, b, sums, add);
}

// fp32 row -> bf16 row of `kpad` values (zero past k), rounded as the A packer rounds.
void convert_row(const float* x, int64_t k, int64_t kpad, uint16_t* y) {
  for (int64_t k0 = 0; k0 < kpad; k0 += 32) {
    const int64_t left = kpad - k0;
    const __mmask32 store = left >= 32 ? ~__mmask32(0) : __mmask32((1u << left) - 1);
    _mm512_mask_storeu_epi16(y + k0, store, bf16_convert_32(x + k0, k - k0));
  }
}

// bf16 row of k values -> `kpad` values, zero past k (B's padded rows are zero, but a value past
// K that is Inf or NaN would still turn its products into NaN).
void copy_row(const uint16_t* x, int64_t k, int64_t kpad, uint16_t* y) {
  for (int64_t k0 = 0; k0 < kpad; k0 += 32) {
    const int64_t valid = std::min<int64_t>(32, k - k0), left = std::min<int64_t>(32, kpad - k0);
    const __mmask32 load = valid >= 32 ? ~__mmask32(0) : valid <= 0 ? 0 : __mmask32((1u << valid) - 1);
    const __mmask32 store = left >= 32 ? ~__mmask32(0) : __mmask32((1u << left) - 1);
    _mm512_mask_storeu_epi16(y + k0, store, _mm512_maskz_loadu_epi16(load, x + k0));
  }
}

}  // namespace

void bf16_gemm_io__avx512bf16(const LowpVariant& v, const LowpParams& p, const Bf16Io& io, int64_t m0, int64_t m1,
                              int64_t n0, int64_t n1) {
  assert(v.format == Format::kBf16 && !v.amx && v.mr == kMr && v.nr == kNr && v.k_align == 2 && v.kc % 2 == 0);
  assert((p.a != nullptr || io.a != nullptr) && (p.c != nullptr || io.c != nullptr) && p.packed_b != nullptr);
  assert(0 <= m0 && m0 < m1 && m1 <= p.m && 0 <= n0 && n0 < n1 && n1 <= p.n && n0 % kNr == 0);
  assert(p.epilogue.scale == 1.0f);  // finish_rows has no scale (bf16_matmul applies its alpha itself)
  const int64_t kpad = (p.k + 1) / 2 * 2;
  // In place: whole pairs at even offsets (an odd row stride would split them).
  const bool in_place = io.a != nullptr && p.lda % 2 == 0 && (p.k % 2 == 0 || io.a_padded);
  // Blocks of rows whose bf16 A stays in L2 while every B panel runs over them.
  const int64_t block_rows = std::max<int64_t>(kMr, kBlockBytes / (kpad * 2) / kMr * kMr);
  uint16_t* buffer = in_place ? nullptr
                              : reinterpret_cast<uint16_t*>(f32_gemm::thread_scratch(
                                    static_cast<size_t>((std::min(block_rows, m1 - m0) * kpad + 1) / 2), 0));
  assert(in_place || buffer != nullptr);
  alignas(64) float sums[kMr * kNr];
  for (int64_t b0 = m0; b0 < m1; b0 += block_rows) {
    const int64_t b1 = std::min(m1, b0 + block_rows);
    const uint16_t* a = io.a != nullptr ? io.a + b0 * p.lda : nullptr;
    int64_t lda = p.lda;
    if (!in_place) {
      for (int64_t r = 0; r < b1 - b0; ++r) {
        if (io.a != nullptr) {
          copy_row(io.a + (b0 + r) * p.lda, p.k, kpad, buffer + r * kpad);
        } else {
          convert_row(p.a + (b0 + r) * p.lda, p.k, kpad, buffer + r * kpad);
        }
      }
      a = buffer, lda = kpad;
    }
    // Tiles of equal height (as f32-gemm's in-place tiles): 50 rows run as 13 + 13 + 13 + 11, not
    // 14 + 14 + 14 + 8.
    const int64_t tiles = (b1 - b0 + kMr - 1) / kMr, height = (b1 - b0 + tiles - 1) / tiles;
    for (int64_t jc = n0; jc < n1; jc += kNr) {
      const int64_t nb = std::min<int64_t>(kNr, n1 - jc);
      const uint16_t* panel = static_cast<const uint16_t*>(p.packed_b) + (jc / kNr) * kpad * kNr;
      for (int64_t i0 = b0; i0 < b1; i0 += height) {
        const int64_t rows = std::min(height, b1 - i0);
        const int32_t* tile = reinterpret_cast<const int32_t*>(a + (i0 - b0) * lda);
        for (int64_t k0 = 0; k0 < kpad; k0 += v.kc) {
          const int64_t kb = std::min<int64_t>(v.kc, kpad - k0);
          accumulate_rows(rows, kb / 2, tile + k0 / 2, lda / 2, panel + k0 * kNr, sums, k0 > 0,
                          std::make_integer_sequence<int, kMr>());
        }
        finish_tile(p, io, sums, i0, rows, jc, nb);
      }
    }
  }
}

}  // namespace kiln::lowp_gemm
