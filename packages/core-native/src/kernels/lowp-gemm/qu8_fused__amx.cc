// qu8 AMX tile finished in registers: the 32 x 32 block of qu8_gemm_32x32__amx (tdpbusd into
// 2 x 2 int32 tiles over the whole K), stored once into a 4 KiB staging block on the stack (L1)
// and finished row by row with finish__avx512.h's arithmetic (dequantize, + residual, ReLU/Clip,
// fp32 store or uint8 requantize; uint8 rows two, or for 16 columns four, at a time: requantize_64). Halves of the block that hold no rows or columns are neither
// multiplied nor stored. A is row-major uint8 (packed [32][kpad] rows, row stride
// tile.a_row_stride, tile.a_quad_stride 4) with 32 readable rows of kc bytes. K below 64 runs
// on narrower A tiles and shallower B tiles (amx_configure_qu8): the padding is not multiplied.
#include <immintrin.h>

#include <cassert>
#include <cstdint>

#include "finish__avx512.h"
#include "lowp.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

// One row of the staging block (32 int32 sums) finished into C.
inline void finish_row(const int32_t* sums, int64_t i, const FusedTile& t, __mmask16 m0, __mmask16 m1,
                       const FinishVectors& f) {
  const float* res = t.residual != nullptr ? t.residual + i * t.residual_stride : nullptr;
  const uint8_t* res_u8 = t.residual_u8 != nullptr ? t.residual_u8 + i * t.residual_stride : nullptr;
  const __m512 v0 = dequantize_16(_mm512_load_si512(sums), m0, t.scale, t.offset, res, res_u8, f);
  if (t.c_u8 != nullptr) {
    uint8_t* row = t.c_u8 + i * t.ldc;
    if (m1 == 0) {
      _mm_mask_storeu_epi8(row, m0, requantize_16(v0, f));
      return;
    }
    const __m512 v1 = dequantize_16(_mm512_load_si512(sums + 16), m1, t.scale + 16, t.offset + 16,
                                    res != nullptr ? res + 16 : nullptr, res_u8 != nullptr ? res_u8 + 16 : nullptr, f);
    const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(requantize_16(v0, f)), requantize_16(v1, f), 1);
    _mm256_mask_storeu_epi8(row, __mmask32(m0) | (__mmask32(m1) << 16), both);
    return;
  }
  float* row = t.c + i * t.ldc;
  store_16(v0, m0, f, row, nullptr);
  if (m1 == 0) return;
  const __m512 v1 = dequantize_16(_mm512_load_si512(sums + 16), m1, t.scale + 16, t.offset + 16,
                                  res != nullptr ? res + 16 : nullptr, res_u8 != nullptr ? res_u8 + 16 : nullptr, f);
  store_16(v1, m1, f, row + 16, nullptr);
}

// Rows i and i + 1 of the staging block into uint8 C: four vectors requantized together.
inline void finish_row_pair_u8(const int32_t* sums, int64_t i, const FusedTile& t, __mmask16 m0, __mmask16 m1,
                               const FinishVectors& f, const RequantizeVectors& r) {
  __m512 v[4];
  for (int row = 0; row < 2; ++row) {
    const int64_t at = (i + row) * t.residual_stride;
    const float* res = t.residual != nullptr ? t.residual + at : nullptr;
    const uint8_t* res_u8 = t.residual_u8 != nullptr ? t.residual_u8 + at : nullptr;
    const int32_t* row_sums = sums + row * 32;
    v[2 * row] = dequantize_16(_mm512_load_si512(row_sums), m0, t.scale, t.offset, res, res_u8, f);
    v[2 * row + 1] = m1 == 0 ? v[2 * row]
                             : dequantize_16(_mm512_load_si512(row_sums + 16), m1, t.scale + 16, t.offset + 16,
                                             res != nullptr ? res + 16 : nullptr,
                                             res_u8 != nullptr ? res_u8 + 16 : nullptr, f);
  }
  const __m512i bytes = requantize_64(v[0], v[1], v[2], v[3], r);
  const __mmask32 m = __mmask32(m0) | (__mmask32(m1) << 16);
  _mm256_mask_storeu_epi8(t.c_u8 + i * t.ldc, m, _mm512_castsi512_si256(bytes));
  _mm256_mask_storeu_epi8(t.c_u8 + (i + 1) * t.ldc, m, _mm512_extracti64x4_epi64(bytes, 1));
}

// Rows i .. i + 3 of the staging block into uint8 C when the tile has 16 columns or fewer.
inline void finish_row_quad_u8(const int32_t* sums, int64_t i, const FusedTile& t, __mmask16 m0,
                               const FinishVectors& f, const RequantizeVectors& r) {
  __m512 v[4];
  for (int row = 0; row < 4; ++row) {
    const int64_t at = (i + row) * t.residual_stride;
    v[row] = dequantize_16(_mm512_load_si512(sums + row * 32), m0, t.scale, t.offset,
                           t.residual != nullptr ? t.residual + at : nullptr,
                           t.residual_u8 != nullptr ? t.residual_u8 + at : nullptr, f);
  }
  const __m512i bytes = requantize_64(v[0], v[1], v[2], v[3], r);
  _mm_mask_storeu_epi8(t.c_u8 + i * t.ldc, m0, _mm512_castsi512_si128(bytes));
  _mm_mask_storeu_epi8(t.c_u8 + (i + 1) * t.ldc, m0, _mm512_extracti32x4_epi32(bytes, 1));
  _mm_mask_storeu_epi8(t.c_u8 + (i + 2) * t.ldc, m0, _mm512_extracti32x4_epi32(bytes, 2));
  _mm_mask_storeu_epi8(t.c_u8 + (i + 3) * t.ldc, m0, _mm512_extracti32x4_epi32(bytes, 3));
}

}  // namespace

void amx_configure_qu8(int64_t k) {
  struct alignas(64) {
    uint8_t palette = 1, start_row = 0, reserved[14] = {};
    uint16_t columns_bytes[16] = {};
    uint8_t rows[16] = {};
  } config;
  const int depth = k >= 64 ? 64 : static_cast<int>((k + 3) / 4 * 4);  // bytes of A per row per step
  for (int t = 0; t < 8; ++t) config.columns_bytes[t] = 64, config.rows[t] = 16;
  config.columns_bytes[4] = config.columns_bytes[5] = static_cast<uint16_t>(depth);
  config.rows[6] = config.rows[7] = static_cast<uint8_t>(depth / 4);
  __asm__ __volatile__("" : : "r"(&config) : "memory");  // see amx_configure
  _tile_loadconfig(&config);
}

void qu8_gemm_32x32_fused__amx(int64_t kc, const FusedTile& t, const void* b_packed, int64_t mr, int64_t nr,
                               const RowFinish& finish) {
  assert(kc >= 64 && kc % 64 == 0 && mr >= 1 && mr <= 32 && nr >= 1 && nr <= 32 && t.a_quad_stride == 4);
  const char* a = reinterpret_cast<const char*>(t.a);
  const char* b = static_cast<const char*>(b_packed);
  const int64_t lda = t.a_row_stride;
  const bool low_rows = mr > 16, right = nr > 16;
  alignas(64) int32_t block[32 * 32];
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  if (low_rows && right) {
    for (int64_t k = 0; k < kc; k += 64) {
      _tile_loadd(4, a + k, lda);
      _tile_loadd(6, b + k * 32, 128);
      _tile_loadd(7, b + k * 32 + 64, 128);
      _tile_loadd(5, a + 16 * lda + k, lda);
      _tile_dpbusd(0, 4, 6);
      _tile_dpbusd(1, 4, 7);
      _tile_dpbusd(2, 5, 6);
      _tile_dpbusd(3, 5, 7);
    }
  } else {
    for (int64_t k = 0; k < kc; k += 64) {
      _tile_loadd(4, a + k, lda);
      _tile_loadd(6, b + k * 32, 128);
      _tile_dpbusd(0, 4, 6);
      if (right) {
        _tile_loadd(7, b + k * 32 + 64, 128);
        _tile_dpbusd(1, 4, 7);
      }
      if (low_rows) {
        _tile_loadd(5, a + 16 * lda + k, lda);
        _tile_dpbusd(2, 5, 6);
      }
    }
  }
  char* base = reinterpret_cast<char*>(block);
  _tile_stored(0, base, 128);
  if (right) _tile_stored(1, base + 64, 128);
  if (low_rows) _tile_stored(2, base + 16 * 128, 128);
  if (low_rows && right) _tile_stored(3, base + 16 * 128 + 64, 128);
  const FinishVectors f(finish);
  const __mmask16 m0 = finish_mask(nr), m1 = finish_mask(nr - 16);
  int64_t i = 0;
  if (t.c_u8 != nullptr) {
    const RequantizeVectors r(finish);
    if (m1 == 0) {
      for (; i + 3 < mr; i += 4) finish_row_quad_u8(block + i * 32, i, t, m0, f, r);
    } else {
      for (; i + 1 < mr; i += 2) finish_row_pair_u8(block + i * 32, i, t, m0, m1, f, r);
    }
  }
  for (; i < mr; ++i) finish_row(block + i * 32, i, t, m0, m1, f);
}

}  // namespace kiln::lowp_gemm
