// AVX512-VNNI microkernel of the int8 GEMM family (built with AVX512-VNNI only, so Cascade Lake and
// Ice Lake, which lack AVX512-BF16, run it; bf16 is in ukernels__avx512bf16.cc, fp16 in
// ukernels__avx512fp16.cc):
//   qu8_gemm_14x32c4   vpdpbusd (u8 x s8 quads -> s32, no saturation), int32 tile out
// plus its A packer (quantize to uint8 quads) and the dequantize row.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <type_traits>

#include "finish__avx512.h"
#include "lowp.h"
#include "pack.h"
#include "tile__avx512.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

typedef int32_t dword_alias __attribute__((may_alias));
// uint8 A read in place: a row's quads start at any byte (row stride lda), so the dword load
// must not assume 4-byte alignment.
typedef int32_t unaligned_dword __attribute__((may_alias, aligned(1)));

template <int MR, int PANEL>
void qu8_ukernel(int64_t kc, const uint8_t* a, const int8_t* b, int32_t* c, int64_t ldc, int64_t mr,
                 int64_t nr) {
  static_assert(MR <= PANEL);
  assert(kc >= 4 && kc % 4 == 0 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 32);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512i acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_si512();
  const dword_alias* quads = reinterpret_cast<const dword_alias*>(a);
  for (int64_t p = 0; p < kc / 4; ++p) {
    const __m512i b0 = _mm512_load_si512(b);
    const __m512i b1 = _mm512_load_si512(b + 64);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512i av = _mm512_set1_epi32(quads[i]);
      acc[i][0] = _mm512_dpbusd_epi32(acc[i][0], av, b0);
      acc[i][1] = _mm512_dpbusd_epi32(acc[i][1], av, b1);
    }
    quads += PANEL;
    b += 128;
  }
  const __mmask16 m0 = tail_mask(nr), m1 = tail_mask(nr - 16);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    _mm512_mask_storeu_epi32(c + i * ldc, m0, acc[i][0]);
    _mm512_mask_storeu_epi32(c + i * ldc + 16, m1, acc[i][1]);
  }
}

// The K loop of qu8_fused_ukernel on its own: A rows at rows[i] + p * quad_stride. Kept out of line
// so the accumulators stay in registers: with the epilogue in the same function, GCC 12 gave all
// 28 of them a home on the stack and stored every one on every K step (28 zmm stores per 28
// vpdpbusd), which halved the kernel's speed.
template <int MR>
__attribute__((noinline)) void qu8_rows_accumulate(int64_t kc, const uint8_t* const* rows, int64_t quad_stride,
                                                   const int8_t* b, __m512i (&acc)[MR][2]) {
  __m512i sum[MR][2];
  const uint8_t* row[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    sum[i][0] = sum[i][1] = _mm512_setzero_si512();
    row[i] = rows[i];
  }
  for (int64_t p = 0; p < kc / 4; ++p) {
    const __m512i b0 = _mm512_load_si512(b);
    const __m512i b1 = _mm512_load_si512(b + 64);
    const int64_t at = p * quad_stride;
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512i av = _mm512_set1_epi32(*reinterpret_cast<const unaligned_dword*>(row[i] + at));
      sum[i][0] = _mm512_dpbusd_epi32(sum[i][0], av, b0);
      sum[i][1] = _mm512_dpbusd_epi32(sum[i][1], av, b1);
    }
    b += 128;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    acc[i][0] = sum[i][0];
    acc[i][1] = sum[i][1];
  }
}

// qu8_ukernel with the epilogue in registers: A at t.a + i * a_row_stride + q * a_quad_stride
// (rows past mr read row mr - 1 again and are not stored), then each row's two vectors are
// dequantized, + residual, and stored as fp32 or requantized to uint8 (finish__avx512.h).
template <int MR>
void qu8_fused_ukernel(int64_t kc, const FusedTile& t, const int8_t* b, int64_t mr, int64_t nr, const RowFinish& finish) {
  assert(kc >= 4 && kc % 4 == 0 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 32);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  const uint8_t* rows[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) rows[i] = t.a + (i < mr ? i : mr - 1) * t.a_row_stride;
  __m512i acc[MR][2];
  qu8_rows_accumulate<MR>(kc, rows, t.a_quad_stride, b, acc);
  const FinishVectors f(finish);
  const __mmask16 m0 = tail_mask(nr), m1 = tail_mask(nr - 16);
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    const float* res = t.residual != nullptr ? t.residual + i * t.residual_stride : nullptr;
    const uint8_t* res_u8 = t.residual_u8 != nullptr ? t.residual_u8 + i * t.residual_stride : nullptr;
    const __m512 v0 = dequantize_16(acc[i][0], m0, t.scale, t.offset, res, res_u8, f);
    if (t.c_u8 != nullptr) {
      uint8_t* row = t.c_u8 + i * t.ldc;
      if (m1 != 0) {
        const __m512 v1 = dequantize_16(acc[i][1], m1, t.scale + 16, t.offset + 16, res != nullptr ? res + 16 : nullptr,
                                        res_u8 != nullptr ? res_u8 + 16 : nullptr, f);
        const __m256i both = _mm256_inserti128_si256(_mm256_castsi128_si256(requantize_16(v0, f)), requantize_16(v1, f), 1);
        _mm256_mask_storeu_epi8(row, __mmask32(m0) | (__mmask32(m1) << 16), both);
      } else {
        _mm_mask_storeu_epi8(row, m0, requantize_16(v0, f));
      }
      continue;
    }
    float* row = t.c + i * t.ldc;
    store_16(v0, m0, f, row, nullptr);
    if (m1 != 0) {
      const __m512 v1 = dequantize_16(acc[i][1], m1, t.scale + 16, t.offset + 16, res != nullptr ? res + 16 : nullptr,
                                      res_u8 != nullptr ? res_u8 + 16 : nullptr, f);
      store_16(v1, m1, f, row + 16, nullptr);
    }
  }
}

// Quantizes up to 16 floats to uint8 (q = clamp(rne(x / scale) + zero_point, 0, 255)).
void quantize_16(const float* src, int64_t count, const QuantizeVectors& q, uint8_t* out) {
  const __mmask16 m = tail_mask(count);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_maskz_mov_epi8(m, quantize_16(_mm512_maskz_loadu_ps(m, src), q)));
}

}  // namespace

void qu8_gemm_14x32c4__avx512vnni(int64_t kc, const void* a, const void* b, void* c, int64_t ldc,
                                  int64_t mr, int64_t nr, bool accumulate) {
  assert(!accumulate);
  by_rows<14>(mr, [&](auto rows) {
    qu8_ukernel<decltype(rows)::value, 14>(kc, static_cast<const uint8_t*>(a), static_cast<const int8_t*>(b),
                          static_cast<int32_t*>(c), ldc, mr, nr);
  });
}

void qu8_gemm_14x32c4_fused__avx512vnni(int64_t kc, const FusedTile& tile, const void* b, int64_t mr, int64_t nr,
                                        const RowFinish& finish) {
  by_rows<14>(mr, [&](auto rows) { qu8_fused_ukernel<decltype(rows)::value>(kc, tile, static_cast<const int8_t*>(b), mr, nr, finish); });
}

void pack_a_u8_quads__avx512vnni(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                                 const Quantization& q, void* packed) {
  const int64_t quads = (k + 3) / 4;
  uint32_t* out = static_cast<uint32_t*>(packed);
  const QuantizeVectors vectors(q);
  alignas(64) uint8_t bytes[16];
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint32_t* panel = out + p * mr * quads;
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      for (int64_t k0 = 0; k0 < 4 * quads; k0 += 16) {
        const int64_t count = row < rows ? std::min<int64_t>(16, k - k0) : 0;
        quantize_16(a + row * lda + k0, count, vectors, bytes);
        const int64_t n_quads = std::min<int64_t>(4, quads - k0 / 4);
        for (int64_t t = 0; t < n_quads; ++t) {
          uint32_t quad;
          std::memcpy(&quad, bytes + 4 * t, 4);
          panel[(k0 / 4 + t) * mr + i] = quad;
        }
      }
    }
  }
}

void dequant_row__avx512vnni(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                             float* out) {
  for (int64_t j = 0; j < n; j += 16) {
    const __mmask16 m = tail_mask(n - j);
    const __m512 v = _mm512_cvtepi32_ps(_mm512_maskz_loadu_epi32(m, acc + j));
    _mm512_mask_storeu_ps(out + j, m,
                          _mm512_fmadd_ps(v, _mm512_maskz_loadu_ps(m, scale + j), _mm512_maskz_loadu_ps(m, offset + j)));
  }
}

}  // namespace kiln::lowp_gemm
