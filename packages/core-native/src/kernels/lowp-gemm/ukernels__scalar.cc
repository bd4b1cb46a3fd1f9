// Scalar references of the reduced-precision GEMM families: plain loops that reproduce the vector
// kernels' arithmetic exactly (bf16: vdpbf16ps's order, odd element of each pair first, products
// exact in fp32; f16: fp16 fused multiply-adds over chunks of kF16Chunk k steps on row-scaled A,
// each chunk folded into an fp32 sum times the row's factor; qu8: exact int32 sums). The oracles the vector variants are tested against.
#include <cassert>
#include <cmath>
#include <cstring>

#include "lowp.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

constexpr int kMr = 4, kNr = 4;

// One fp16 fused multiply-add, rounded once: the exact a*b + c (a double holds it: fp16 products
// have 22 significant bits and fp16 exponents span 2^-24..2^15), rounded to fp16.
float f16_fma(float a, float b, float c) {
  const double exact = static_cast<double>(a) * static_cast<double>(b) + static_cast<double>(c);
  // Round the double to fp16 by way of fp32 only when that is not a double rounding: use the
  // fp32 value if it is exact, else nudge the fp32 toward the double so RNE ties resolve right.
  float single = static_cast<float>(exact);
  if (static_cast<double>(single) != exact) {
    uint32_t bits;
    std::memcpy(&bits, &single, 4);
    const bool above = static_cast<double>(single) > exact;
    // Sticky bit: make the fp32 odd in the direction of the exact value (round-to-odd).
    if ((bits & 1u) == 0) {
      const bool positive = single > 0.0f || (single == 0.0f && exact > 0.0);
      bits += (above == positive) ? -1 : 1;
      std::memcpy(&single, &bits, 4);
    }
  }
  return f16_to_float(float_to_f16(single));
}

}  // namespace

void bf16_gemm_4x4c2__scalar(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                             int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  assert(kc >= 2 && kc % 2 == 0 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= kNr);
  const uint16_t* a = static_cast<const uint16_t*>(a_packed);
  const uint16_t* b = static_cast<const uint16_t*>(b_packed);
  float* c = static_cast<float*>(c_out);
  float acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc / 2; ++p) {
    for (int i = 0; i < kMr; ++i) {
      const float a0 = bf16_to_float(a[(p * kMr + i) * 2]), a1 = bf16_to_float(a[(p * kMr + i) * 2 + 1]);
      for (int j = 0; j < kNr; ++j) {
        const float b0 = bf16_to_float(b[(p * kNr + j) * 2]), b1 = bf16_to_float(b[(p * kNr + j) * 2 + 1]);
        acc[i][j] += a1 * b1;  // exact product, one rounding per add (as vdpbf16ps)
        acc[i][j] += a0 * b0;
      }
    }
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
  }
}

void f16_gemm_4x4__scalar(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                          int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  assert(kc >= 1 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= kNr);
  const uint16_t* a = static_cast<const uint16_t*>(a_packed);
  const uint16_t* b = static_cast<const uint16_t*>(b_packed);
  float* c = static_cast<float*>(c_out);
  float factors[kMr];
  std::memcpy(factors, a + kc * kMr, sizeof(factors));  // row factors follow the panel
  float acc[kMr][kNr] = {};
  float chunk[kMr][kNr] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < kMr; ++i) {
      const float av = f16_to_float(a[k * kMr + i]);
      for (int j = 0; j < kNr; ++j) chunk[i][j] = f16_fma(av, f16_to_float(b[k * kNr + j]), chunk[i][j]);
    }
    if ((k + 1) % kF16Chunk == 0 || k + 1 == kc) {
      for (int i = 0; i < kMr; ++i) {
        for (int j = 0; j < kNr; ++j) acc[i][j] = std::fma(chunk[i][j], factors[i], acc[i][j]), chunk[i][j] = 0.0f;
      }
    }
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
  }
}

void qu8_gemm_4x4c4__scalar(int64_t kc, const void* a_packed, const void* b_packed, void* c_out,
                            int64_t ldc, int64_t mr, int64_t nr, bool accumulate) {
  assert(kc >= 4 && kc % 4 == 0 && mr >= 1 && mr <= kMr && nr >= 1 && nr <= kNr && !accumulate);
  const uint8_t* a = static_cast<const uint8_t*>(a_packed);
  const int8_t* b = static_cast<const int8_t*>(b_packed);
  int32_t* c = static_cast<int32_t*>(c_out);
  int32_t acc[kMr][kNr] = {};
  for (int64_t p = 0; p < kc / 4; ++p) {
    for (int i = 0; i < kMr; ++i) {
      for (int j = 0; j < kNr; ++j) {
        for (int t = 0; t < 4; ++t) {
          acc[i][j] += static_cast<int32_t>(a[(p * kMr + i) * 4 + t]) * b[(p * kNr + j) * 4 + t];
        }
      }
    }
  }
  for (int64_t i = 0; i < mr; ++i) {
    for (int64_t j = 0; j < nr; ++j) c[i * ldc + j] = acc[i][j];
  }
}

void dequant_row__scalar(const int32_t* acc, int64_t n, const float* scale, const float* offset,
                         float* out) {
  // One rounding, as the vector rows' fmadd (so uint8 outputs match them bit for bit).
  for (int64_t j = 0; j < n; ++j) out[j] = std::fma(static_cast<float>(acc[j]), scale[j], offset[j]);
}

}  // namespace kiln::lowp_gemm
