// AMX bf16_gemm with bf16 activations (bf16_io.h): 32 x 32 output tiles (tmm0-3) over two 16-row
// A tiles (tmm4-5) and two 16-column B tiles (tmm6-7) per 32-step of K, on the packed B panels of
// bf16_gemm_32x32__amx. The tiles of each K block (variant.kc) are stored to a staging block and
// added to the running fp32 sums, as bf16_gemm accumulates C across K blocks; each finished row
// then takes the fp32 epilogue and is rounded to bf16 (or stored as fp32).
#include <immintrin.h>

#include <algorithm>
#include <cassert>

#include "bf16_finish__avx512.h"
#include "bf16_io.h"
#include "kernels/f32-gemm/scratch.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

struct AmxBlock {
  AmxBlock() { amx_configure(); }
  ~AmxBlock() { amx_release(); }
};

// The A rows of one 32-row tile as AMX reads them: K columns [0, full) at `rows` (bf16 rows in
// place, row stride `stride` bytes), columns [full, kpad) in `tail` ([32][32] bf16, zero past K
// and below the last row). A copied or converted tile has full = kpad and no tail.
struct ATile {
  const char* rows;
  int64_t stride;
  int64_t full;
  const char* tail;
};

// sums[32][32] (+)= A[32][k0:k0+kb] · B[k0:k0+kb][32 panel columns]; right: the panel has
// columns 16-31 (else tmm1 and tmm3 are skipped and those columns of `staging` left as they are).
void tile_block(const ATile& a, const char* b, int64_t k0, int64_t kb, bool right, float* staging) {
  _tile_zero(0);
  _tile_zero(2);
  if (right) {
    _tile_zero(1);
    _tile_zero(3);
  }
  for (int64_t k = k0; k < k0 + kb; k += 32) {
    const bool in_rows = k < a.full;
    const char* a_rows = in_rows ? a.rows + k * 2 : a.tail + (k - a.full) * 2;
    const int64_t a_stride = in_rows ? a.stride : 64;
    _tile_loadd(4, a_rows, a_stride);
    _tile_loadd(5, a_rows + 16 * a_stride, a_stride);
    _tile_loadd(6, b + k / 2 * 128, 128);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(2, 5, 6);
    if (right) {
      _tile_loadd(7, b + k / 2 * 128 + 64, 128);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, staging, 128);
  _tile_stored(2, staging + 16 * 32, 128);
  if (right) {
    _tile_stored(1, staging + 16, 128);
    _tile_stored(3, staging + 16 * 32 + 16, 128);
  }
}

// K of one 32-step (kpad 32): sums[32][32] = A · B for one B panel, the A tiles (tmm4-5) loaded
// by load_a_k32 and kept across the panels of their row tile. The same products and sums as
// tile_block's one step.
void load_a_k32(const ATile& a) {
  const char* rows = a.full > 0 ? a.rows : a.tail;
  const int64_t stride = a.full > 0 ? a.stride : 64;
  _tile_loadd(4, rows, stride);
  _tile_loadd(5, rows + 16 * stride, stride);
}

void panel_k32(const char* b, bool right, float* sums) {
  _tile_zero(0);
  _tile_zero(2);
  _tile_loadd(6, b, 128);
  _tile_dpbf16ps(0, 4, 6);
  _tile_dpbf16ps(2, 5, 6);
  _tile_stored(0, sums, 128);
  _tile_stored(2, sums + 16 * 32, 128);
  if (!right) return;
  _tile_zero(1);
  _tile_zero(3);
  _tile_loadd(7, b + 64, 128);
  _tile_dpbf16ps(1, 4, 7);
  _tile_dpbf16ps(3, 5, 7);
  _tile_stored(1, sums + 16, 128);
  _tile_stored(3, sums + 16 * 32 + 16, 128);
}

// Row tiles that share each B panel while it is in L1: A of a group (at most this many bytes of
// bf16 rows) is prepared once, then every 32-column panel runs over all of the group's row tiles.
constexpr int64_t kGroupBytes = 48 * 1024;

// Copies bf16 row columns [k0, k1) (at most 32) into 64 bytes, zero past k1.
inline void copy_columns(const uint16_t* row, int64_t k0, int64_t k1, uint16_t* dst) {
  const __mmask32 valid = k1 - k0 >= 32 ? ~__mmask32(0) : __mmask32((1u << (k1 - k0)) - 1);
  _mm512_store_si512(dst, _mm512_maskz_loadu_epi16(valid, row + k0));
}

// A bf16 tile of 32 rows reads its whole 32-column blocks of K in place and copies only the K
// tail (K % 32 columns) into `buffer`; a last tile of fewer rows is copied whole ([32][kpad]).
// fp32 rows are converted by the variant's packer.
ATile prepare_a(const LowpVariant& v, const LowpParams& p, const Bf16Io& io, bool in_place, int64_t kpad,
                int64_t i0, int64_t rows, uint16_t* buffer) {
  const char* bytes = reinterpret_cast<const char*>(buffer);
  if (io.a == nullptr) {
    v.pack_a(p.a + i0 * p.lda, p.lda, rows, p.k, 32, p.quantization, buffer);
    return {bytes, kpad * 2, kpad, nullptr};
  }
  const uint16_t* a = io.a + i0 * p.lda;
  if (in_place && rows == 32) return {reinterpret_cast<const char*>(a), p.lda * 2, kpad, nullptr};
  if (rows == 32) {
    const int64_t full = p.k / 32 * 32;
    for (int64_t r = 0; r < 32; ++r) copy_columns(a + r * p.lda, full, p.k, buffer + r * 32);
    return {reinterpret_cast<const char*>(a), p.lda * 2, full, bytes};
  }
  for (int64_t r = 0; r < 32; ++r) {
    for (int64_t k = 0; k < kpad; k += 32) {
      copy_columns(a + r * p.lda, k, r < rows ? std::min(p.k, k + 32) : k, buffer + r * kpad + k);
    }
  }
  return {bytes, kpad * 2, kpad, nullptr};
}

}  // namespace

void bf16_gemm_io__amx(const LowpVariant& v, const LowpParams& p, const Bf16Io& io, int64_t m0, int64_t m1,
                       int64_t n0, int64_t n1) {
  assert(v.format == Format::kBf16 && v.amx && v.mr == 32 && v.nr == 32 && v.kc % 32 == 0);
  assert((p.a != nullptr || io.a != nullptr) && (p.c != nullptr || io.c != nullptr) && p.packed_b != nullptr);
  assert(0 <= m0 && m0 < m1 && m1 <= p.m && 0 <= n0 && n0 < n1 && n1 <= p.n && n0 % 32 == 0);
  assert(p.epilogue.scale == 1.0f);  // finish_rows has no scale (bf16_matmul applies its alpha itself)
  const int64_t kpad = (p.k + 31) / 32 * 32;
  const bool in_place = io.a != nullptr && (p.k % 32 == 0 || io.a_padded);
  const int64_t group_tiles = std::max<int64_t>(1, kGroupBytes / (32 * kpad * 2));
  // The packed A tiles of a group: per-thread scratch slot 0, as gemm_block's.
  uint16_t* a_buffer =
      reinterpret_cast<uint16_t*>(f32_gemm::thread_scratch(static_cast<size_t>(group_tiles * 16 * kpad), 0));
  assert(a_buffer != nullptr);
  alignas(64) float sums[32 * 32];
  alignas(64) float staging[32 * 32];
  const int64_t last_panel = (n1 - n0) % 32;
  // A panel of at most 16 columns leaves columns 16-31 of the blocks as they were (never stored):
  // filled once, so the epilogue never reads uninitialized floats there.
  if (last_panel > 0 && last_panel <= 16) {
    std::fill(sums, sums + 32 * 32, 0.0f);
    std::fill(staging, staging + 32 * 32, 0.0f);
  }
  ATile tiles[kGroupBytes / (32 * 32 * 2)];
  const AmxBlock amx;
  for (int64_t g0 = m0; g0 < m1; g0 += group_tiles * 32) {
    const int64_t g1 = std::min(m1, g0 + group_tiles * 32);
    const int64_t count = (g1 - g0 + 31) / 32;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t i0 = g0 + t * 32;
      tiles[t] = prepare_a(v, p, io, in_place, kpad, i0, std::min<int64_t>(32, g1 - i0), a_buffer + t * 32 * kpad);
    }
    if (kpad == 32) {  // one K step: each row tile's A tiles stay loaded over all the panels
      for (int64_t t = 0; t < count; ++t) {
        const int64_t i0 = g0 + t * 32, rows = std::min<int64_t>(32, g1 - i0);
        load_a_k32(tiles[t]);
        for (int64_t jc = n0; jc < n1; jc += 32) {
          const int64_t nb = std::min<int64_t>(32, n1 - jc);
          panel_k32(static_cast<const char*>(p.packed_b) + (jc / 32) * 32 * 32 * 2, nb > 16, sums);
          finish_tile(p, io, sums, i0, rows, jc, nb);
        }
      }
      continue;
    }
    for (int64_t jc = n0; jc < n1; jc += 32) {
      const int64_t nb = std::min<int64_t>(32, n1 - jc);
      const char* b_panel = static_cast<const char*>(p.packed_b) + (jc / 32) * kpad * 32 * 2;
      for (int64_t t = 0; t < count; ++t) {
        const int64_t i0 = g0 + t * 32, rows = std::min<int64_t>(32, g1 - i0);
        for (int64_t k0 = 0; k0 < kpad; k0 += v.kc) {
          const int64_t kb = std::min<int64_t>(v.kc, kpad - k0);
          tile_block(tiles[t], b_panel, k0, kb, nb > 16, k0 == 0 ? sums : staging);
          if (k0 == 0) continue;
          for (int64_t i = 0; i < rows * 32; i += 16) {
            _mm512_store_ps(sums + i, _mm512_add_ps(_mm512_load_ps(staging + i), _mm512_load_ps(sums + i)));
          }
        }
        finish_tile(p, io, sums, i0, rows, jc, nb);
      }
    }
  }
}

}  // namespace kiln::lowp_gemm
