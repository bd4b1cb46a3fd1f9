// AMX microkernels of the reduced-precision GEMM families: a 32 x 32 output block as 2 x 2 tiles
// of 16 x 16 fp32/int32 (tmm0-3), A as two 16-row tiles (tmm4-5) and B as two 16-column tiles
// (tmm6-7) per K step (32 bf16 or 64 uint8). A is packed row-major ([32][kpad]); B uses the same
// packed panels as the AVX-512 kernels (pair / quad rows of 32 columns, 128 bytes apart).
// Tiles are only usable after the Linux permission request (platform/cpu.cc), which is part of
// the Isa::kAmx level's detection: these kernels are never picked without it.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "finish__avx512.h"
#include "lowp.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t columns_bytes[16] = {};
  uint8_t rows[16] = {};
};

__mmask16 tail_mask(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

// Stores the four C tiles into a 32 x 32 buffer (row stride 128 bytes).
void store_tiles(void* block) {
  char* base = static_cast<char*>(block);
  _tile_stored(0, base, 128);
  _tile_stored(1, base + 64, 128);
  _tile_stored(2, base + 16 * 128, 128);
  _tile_stored(3, base + 16 * 128 + 64, 128);
}

}  // namespace

void amx_configure() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) config.columns_bytes[t] = 64, config.rows[t] = 16;
  // GCC 12 does not treat ldtilecfg as reading the whole block and drops the stores above
  // without this barrier.
  __asm__ __volatile__("" : : "r"(&config) : "memory");
  _tile_loadconfig(&config);
}

void amx_release() { _tile_release(); }

void bf16_gemm_32x32__amx(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                          int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  assert(kc >= 32 && kc % 32 == 0 && mr >= 1 && mr <= 32 && nr >= 1 && nr <= 32);
  const char* a = static_cast<const char*>(a_packed);
  const char* b = static_cast<const char*>(b_packed);
  const int64_t a_stride = kc * 2;
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t k = 0; k < kc; k += 32) {
    _tile_loadd(4, a + k * 2, a_stride);
    _tile_loadd(5, a + 16 * a_stride + k * 2, a_stride);
    _tile_loadd(6, b + k / 2 * 128, 128);
    _tile_loadd(7, b + k / 2 * 128 + 64, 128);
    _tile_dpbf16ps(0, 4, 6);
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(2, 5, 6);
    _tile_dpbf16ps(3, 5, 7);
  }
  alignas(64) float block[32 * 32];
  store_tiles(block);
  float* c = static_cast<float*>(c_out);
  const __mmask16 m0 = tail_mask(nr), m1 = tail_mask(nr - 16);
  for (int64_t i = 0; i < mr; ++i) {
    __m512 v0 = _mm512_load_ps(block + i * 32), v1 = _mm512_load_ps(block + i * 32 + 16);
    float* row = c + i * ldc;
    if (accumulate) {
      v0 = _mm512_add_ps(v0, _mm512_maskz_loadu_ps(m0, row));
      v1 = _mm512_add_ps(v1, _mm512_maskz_loadu_ps(m1, row + 16));
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

void qu8_gemm_32x32__amx(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                         int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  assert(kc >= 64 && kc % 64 == 0 && mr >= 1 && mr <= 32 && nr >= 1 && nr <= 32 && !accumulate);
  const char* a = static_cast<const char*>(a_packed);
  const char* b = static_cast<const char*>(b_packed);
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  for (int64_t k = 0; k < kc; k += 64) {
    _tile_loadd(4, a + k, kc);
    _tile_loadd(5, a + 16 * kc + k, kc);
    _tile_loadd(6, b + k / 4 * 128, 128);
    _tile_loadd(7, b + k / 4 * 128 + 64, 128);
    _tile_dpbusd(0, 4, 6);
    _tile_dpbusd(1, 4, 7);
    _tile_dpbusd(2, 5, 6);
    _tile_dpbusd(3, 5, 7);
  }
  alignas(64) int32_t block[32 * 32];
  store_tiles(block);
  int32_t* c = static_cast<int32_t*>(c_out);
  for (int64_t i = 0; i < mr; ++i) std::memcpy(c + i * ldc, block + i * 32, sizeof(int32_t) * nr);
}

// [32][kpad] bf16 rows, kpad = k rounded up to 32.
void pack_a_bf16_rows__amx(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                           const Quantization&, void* packed) {
  const int64_t kpad = (k + 31) / 32 * 32;
  uint16_t* out = static_cast<uint16_t*>(packed);
  const int64_t total_rows = (rows + mr - 1) / mr * mr;
  for (int64_t row = 0; row < total_rows; ++row) {
    uint16_t* dst = out + row * kpad;
    for (int64_t k0 = 0; k0 < kpad; k0 += 32) {
      const int64_t count = row < rows ? std::min<int64_t>(32, k - k0) : 0;
      const __m512 lo = _mm512_maskz_loadu_ps(tail_mask(count), a + row * lda + k0);
      const __m512 hi = _mm512_maskz_loadu_ps(tail_mask(count - 16), a + row * lda + k0 + 16);
      _mm512_storeu_si512(dst + k0, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
    }
  }
}

// [32][kpad] uint8 rows, kpad = k rounded up to 64; padding 0 (padded B rows are zero).
void pack_a_u8_rows__amx(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                         const Quantization& q, void* packed) {
  const int64_t kpad = (k + 63) / 64 * 64;
  uint8_t* out = static_cast<uint8_t*>(packed);
  const QuantizeVectors vectors(q);
  const int64_t total_rows = (rows + mr - 1) / mr * mr;
  for (int64_t row = 0; row < total_rows; ++row) {
    uint8_t* dst = out + row * kpad;
    for (int64_t k0 = 0; k0 < kpad; k0 += 16) {
      const int64_t count = row < rows ? std::min<int64_t>(16, k - k0) : 0;
      const __mmask16 m = tail_mask(count);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + k0),
                       _mm_maskz_mov_epi8(m, quantize_16(_mm512_maskz_loadu_ps(m, a + row * lda + k0), vectors)));
    }
  }
}

}  // namespace kiln::lowp_gemm
