// qu8_conv_1x1_smallk_64c4__avx512vnni: see conv_1x1_small_k.h.
#include <immintrin.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <utility>

#include "conv_1x1_small_k.h"
#include "kernels/lowp-gemm/finish__avx512.h"

namespace kiln::lowp_conv {
namespace {

using lowp_gemm::FinishVectors;
using lowp_gemm::finish_mask;

typedef int32_t unaligned_dword __attribute__((may_alias, aligned(1)));

constexpr int64_t kBlockRows = 64;  // rows per A block (in L1: at most 64 x 64 bytes)

// Vectors of 16 output channels whose weights stay in registers: 16 zmm of weights at most.
constexpr int vectors_for(int quads) { return quads >= 16 ? 1 : std::min(4, 16 / quads); }

// Columns [n0, n0 + 16 * NV) of rows [0, rows) of an A block (row stride lda, whole k quads
// readable). out row i starts at out + i * ldc (+ n0 applied by the caller for fp32/u8 output).
// The last group of a row takes the smallest NV that covers its columns (96 channels at K = 16:
// 64 + 32, not 64 + 64 with half the multiply-adds on zero weights).
template <int KQ, int NV>
void column_group(const SmallKJob& job, const uint8_t* a, int64_t lda, int64_t m0, int64_t rows, int64_t n0,
                  const FinishVectors& f, const lowp_gemm::RequantizeVectors& u) {
  const ConvShape& s = *job.shape;
  const ConvParams& p = *job.params;
  const int64_t n = s.out_c, left = n - n0;
  const int nv = static_cast<int>(std::min<int64_t>(NV, (left + 15) / 16));
  __mmask16 masks[NV];
  __m512i b[KQ][NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    masks[v] = finish_mask(left - 16 * v);
    const int64_t column = n0 + 16 * v;
    const int8_t* panel = reinterpret_cast<const int8_t*>(job.packed_b) + (column / 32) * job.kpad * 32 + (column % 32) * 4;
#pragma GCC unroll 16
    for (int q = 0; q < KQ; ++q) b[q][v] = v < nv ? _mm512_load_si512(panel + q * 128) : _mm512_setzero_si512();
  }
  __m512 scale[NV], offset[NV];  // the columns' dequantize terms, 0 past the last column
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    scale[v] = _mm512_maskz_loadu_ps(masks[v], job.scale + n0 + 16 * v);
    offset[v] = _mm512_maskz_loadu_ps(masks[v], job.offset + n0 + 16 * v);
  }
  const __mmask64 store_mask = left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
  for (int64_t i = 0; i < rows; ++i) {
    const uint8_t* row = a + i * lda;
    __m512i acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_si512();
#pragma GCC unroll 16
    for (int q = 0; q < KQ; ++q) {
      const __m512i av = _mm512_set1_epi32(*reinterpret_cast<const unaligned_dword*>(row + 4 * q));
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v] = _mm512_dpbusd_epi32(acc[v], av, b[q][v]);
    }
    const int64_t at = (m0 + i) * s.out_c + n0;  // NHWC: residual row m, channel n0
    const int64_t out_at = (m0 + i) * job.ldc + n0;  // the output row (ldc >= out_c: a channel range)
    const float* residual = p.epilogue.residual != nullptr ? p.epilogue.residual + at : nullptr;
    const uint8_t* residual_u8 = p.residual_u8 != nullptr ? p.residual_u8 + at : nullptr;
    if (p.output_u8 == nullptr) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        if (v >= nv) break;
        const __m512 x = lowp_gemm::dequantize_16(acc[v], masks[v], scale[v], offset[v],
                                                  residual != nullptr ? residual + 16 * v : nullptr,
                                                  residual_u8 != nullptr ? residual_u8 + 16 * v : nullptr, f);
        lowp_gemm::store_16(x, masks[v], f, p.output + out_at + 16 * v, nullptr);
      }
      continue;
    }
    __m512 x[4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      x[v] = lowp_gemm::dequantize_16(acc[v], masks[v], scale[v], offset[v],
                                      residual != nullptr ? residual + 16 * v : nullptr,
                                      residual_u8 != nullptr ? residual_u8 + 16 * v : nullptr, f);
    }
#pragma GCC unroll 4
    for (int v = NV; v < 4; ++v) x[v] = x[0];
    const __m512i bytes = lowp_gemm::requantize_64(x[0], x[1], x[2], x[3], u);
    if (NV < 4) {
      // Vector v's channels sit at bytes [16 v, 16 v + 16) only for v < NV; the rest repeat vector 0.
      _mm512_mask_storeu_epi8(p.output_u8 + out_at, store_mask & ((__mmask64(1) << (16 * NV)) - 1), bytes);
    } else {
      _mm512_mask_storeu_epi8(p.output_u8 + out_at, store_mask, bytes);
    }
  }
}

template <int KQ>
void run_rows(const SmallKJob& job, int64_t m0, int64_t m1) {
  constexpr int NV = vectors_for(KQ);
  const ConvShape& s = *job.shape;
  const ConvParams& p = *job.params;
  const int64_t k = s.in_c;
  const FinishVectors f(job.finish);
  const lowp_gemm::RequantizeVectors u(job.finish);
  // In place: uint8 rows with whole k quads at stride 1. Otherwise each block of rows is copied
  // (or quantized, for fp32 input) from its input pixels into rows of kpad bytes, zero past K
  // (where the weights are zero too).
  const bool unit_stride = s.stride_h == 1 && s.stride_w == 1;
  const bool in_place = p.input_u8 != nullptr && k % 4 == 0 && unit_stride;
  const int64_t out_h = s.out_h(), out_w = s.out_w();
  alignas(64) uint8_t block[kBlockRows * kSmallKMax];
  for (int64_t r0 = m0; r0 < m1; r0 += kBlockRows) {
    const int64_t rows = std::min(kBlockRows, m1 - r0);
    const uint8_t* a = p.input_u8 + r0 * k;
    int64_t lda = k;
    if (!in_place) {
      for (int64_t i = 0; i < rows; ++i) {
        const int64_t m = r0 + i;
        const int64_t pixel = unit_stride ? m
                                          : (m / (out_h * out_w) * s.in_h + m / out_w % out_h * s.stride_h) * s.in_w +
                                                m % out_w * s.stride_w;
        uint8_t* dst = block + i * job.kpad;
        if (p.input_u8 != nullptr) {
          std::memcpy(dst, p.input_u8 + pixel * k, static_cast<size_t>(k));
        } else {
          lowp_gemm::quantize_row_u8__avx512(p.input + pixel * k, k, p.quantization, dst);
        }
        std::memset(dst + k, 0, static_cast<size_t>(job.kpad - k));
      }
      a = block, lda = job.kpad;
    }
    // Whole groups while more than half a group is left, then the rest in the smallest group.
    int64_t n0 = 0;
    for (; s.out_c - n0 > 16 * (NV / 2); n0 += 16 * NV) column_group<KQ, NV>(job, a, lda, r0, rows, n0, f, u);
    if (n0 >= s.out_c) continue;
    if constexpr (NV >= 4) {
      if (s.out_c - n0 > 16) {
        column_group<KQ, 2>(job, a, lda, r0, rows, n0, f, u);
        continue;
      }
    }
    column_group<KQ, 1>(job, a, lda, r0, rows, n0, f, u);
  }
}

using RunRows = void (*)(const SmallKJob&, int64_t, int64_t);

template <int... Q>
constexpr RunRows pick(int quads, std::integer_sequence<int, Q...>) {
  RunRows table[] = {run_rows<Q + 1>...};
  return table[quads - 1];
}

}  // namespace

void conv_1x1_small_k__avx512vnni(const SmallKJob& job, int64_t m0, int64_t m1) {
  const int quads = static_cast<int>(job.kpad / 4);
  assert(job.kpad % 4 == 0 && quads >= 1 && quads <= kSmallKMax / 4 && m0 < m1);
  assert(job.params->output_u8 == nullptr || job.finish.inverse > 0.0f);
  pick(quads, std::make_integer_sequence<int, kSmallKMax / 4>{})(job, m0, m1);
}

}  // namespace kiln::lowp_conv
