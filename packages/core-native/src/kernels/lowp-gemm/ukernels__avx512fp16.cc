// AVX512-FP16 microkernel of the fp16 GEMM family (Sapphire Rapids and later; its own file
// because AVX512-FP16 is a level above VNNI and BF16, see platform/cpu.h):
//   f16_gemm_8x32  vfmadd231ph on 32 fp16 lanes, folded into fp32 every kF16Chunk k steps
// plus its A packer (row-scaled fp16, see f16_row_scaling in pack.h).
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>

#include "lowp.h"
#include "pack.h"
#include "tile__avx512.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

typedef _Float16 half_alias __attribute__((may_alias));

// Converts up to 32 floats of one A row, times `scale`, into `out` as fp16 (round to nearest even).
void convert_f16(const float* src, int64_t count, uint16_t* out, float scale) {
  const __mmask16 m0 = tail_mask(count), m1 = tail_mask(count - 16);
  const __m512 lo = _mm512_mul_ps(_mm512_maskz_loadu_ps(m0, src), _mm512_set1_ps(scale));
  const __m512 hi = _mm512_mul_ps(_mm512_maskz_loadu_ps(m1, src + 16), _mm512_set1_ps(scale));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm512_cvtps_ph(lo, _MM_FROUND_TO_NEAREST_INT));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16), _mm512_cvtps_ph(hi, _MM_FROUND_TO_NEAREST_INT));
}

template <int MR, int PANEL>
void f16_ukernel(int64_t kc, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, int64_t mr,
                 int64_t nr, bool accumulate) {
  static_assert(MR <= PANEL);
  assert(kc >= 1 && mr >= 1 && mr <= MR && nr >= 1 && nr <= 32);
  assert((reinterpret_cast<uintptr_t>(b) & 63) == 0);
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  const half_alias* ah = reinterpret_cast<const half_alias*>(a);
  float factors[MR];
  std::memcpy(factors, a + kc * PANEL, sizeof(factors));  // row factors follow the panel
  for (int64_t k0 = 0; k0 < kc; k0 += kF16Chunk) {
    const int64_t k1 = std::min<int64_t>(kc, k0 + kF16Chunk);
    __m512h part[MR];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) part[i] = _mm512_setzero_ph();
    for (int64_t k = k0; k < k1; ++k) {
      const __m512h bv = _mm512_castsi512_ph(_mm512_load_si512(b + k * 32));
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) part[i] = _mm512_fmadd_ph(_mm512_set1_ph(ah[k * PANEL + i]), bv, part[i]);
    }
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512i bits = _mm512_castph_si512(part[i]);
      const __m512 factor = _mm512_set1_ps(factors[i]);
      acc[i][0] = _mm512_fmadd_ps(_mm512_cvtxph_ps(_mm256_castsi256_ph(_mm512_castsi512_si256(bits))), factor, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(_mm512_cvtxph_ps(_mm256_castsi256_ph(_mm512_extracti64x4_epi64(bits, 1))), factor, acc[i][1]);
    }
  }
  store_f32<MR>(acc, c, ldc, mr, nr, accumulate);
}

}  // namespace

void f16_gemm_8x32__avx512fp16(int64_t kc, const void* a, const void* b, void* c, int64_t ldc,
                               int64_t mr, int64_t nr, bool accumulate) {
  by_rows<8>(mr, [&](auto rows) {
    f16_ukernel<decltype(rows)::value, 8>(kc, static_cast<const uint16_t*>(a), static_cast<const uint16_t*>(b),
                         static_cast<float*>(c), ldc, mr, nr, accumulate);
  });
}

// [k][mr] fp16 of row-scaled A, then mr fp32 row factors (see f16_row_scaling in pack.h).
void pack_a_f16__avx512fp16(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                            const Quantization&, void* packed) {
  const int64_t panel_bytes = mr * k * 2 + mr * 4;
  alignas(64) uint16_t converted[32];
  for (int64_t p = 0; p * mr < rows; ++p) {
    uint16_t* panel = reinterpret_cast<uint16_t*>(static_cast<uint8_t*>(packed) + p * panel_bytes);
    float* factors = reinterpret_cast<float*>(panel + mr * k);
    for (int i = 0; i < mr; ++i) {
      const int64_t row = p * mr + i;
      __m512 max_abs = _mm512_setzero_ps();
      for (int64_t k0 = 0; row < rows && k0 < k; k0 += 16) {
        max_abs = _mm512_max_ps(max_abs, _mm512_abs_ps(_mm512_maskz_loadu_ps(tail_mask(k - k0), a + row * lda + k0)));
      }
      float scale = 1.0f;
      f16_row_scaling(_mm512_reduce_max_ps(max_abs), &scale, &factors[i]);
      for (int64_t k0 = 0; k0 < k; k0 += 32) {
        const int64_t count = row < rows ? std::min<int64_t>(32, k - k0) : 0;
        convert_f16(a + row * lda + k0, count, converted, scale);
        const int64_t n = std::min<int64_t>(32, k - k0);
        for (int64_t q = 0; q < n; ++q) panel[(k0 + q) * mr + i] = converted[q];
      }
    }
  }
}

}  // namespace kiln::lowp_gemm
