// Internal helpers of the reduced-precision GEMM families: packed-layout arithmetic and the
// portable A packers (see README.md for the layouts).
#pragma once

#include <cmath>

#include "lowp.h"

namespace kiln::lowp_gemm {

int64_t padded_k(const LowpVariant& variant, int64_t k);
int64_t element_bytes(Format format);
int64_t panel_count(const LowpVariant& variant, int64_t n);

// Bytes of one packed A panel (mr rows, kpad padded K): f16 panels end with mr fp32 row factors.
int64_t a_panel_bytes(const LowpVariant& variant, int64_t kpad);

// f16 row scaling: each A row of a K block is multiplied by a power of two that brings its
// largest magnitude into [0.5, 1) before rounding to fp16 (so large activations cannot overflow
// and chunk sums stay far below 65504); the kernel multiplies its fp32 fold by `factor`, the
// inverse power of two. Zero, NaN or infinite maxima use 1 (NaN/inf propagate as in fp32).
inline void f16_row_scaling(float max_abs, float* scale, float* factor) {
  if (!(max_abs > 0.0f) || !std::isfinite(max_abs)) {
    *scale = 1.0f, *factor = 1.0f;
    return;
  }
  int exponent = 0;
  std::frexp(max_abs, &exponent);  // max_abs = f * 2^exponent, f in [0.5, 1)
  *scale = std::ldexp(1.0f, -exponent);
  *factor = std::ldexp(1.0f, exponent);
}

// The qu8 tail of a packed B: int32 column sums and fp32 weight scales, one per padded column.
struct QuantizedB {
  const int32_t* column_sums;
  const float* scales;
};
QuantizedB quantized_b(const LowpVariant& variant, int64_t k, int64_t n, const void* packed);

// Portable A packers (PackAFn). Panels of mr rows; rows past `rows` and K past `k` are zero.
//   bf16 pairs: [kpad/2][mr][2] bf16      f16: [k][mr] fp16 then mr fp32 row factors
//   u8 quads: [kpad/4][mr][4] uint8
//   rows (AMX): [mr][kpad] (row-major, K padded to the variant's k_align)
void pack_a_bf16_pairs(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                       const Quantization& q, void* packed);
void pack_a_f16(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                const Quantization& q, void* packed);
void pack_a_u8_quads(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                     const Quantization& q, void* packed);
// qu8 A that is already uint8 (int8 activations between layers): the variant's layout (rows for
// AMX, quads otherwise) by plain copies; padding 0 like the quantizing packers.
void pack_a_u8_ready(const LowpVariant& v, const uint8_t* a, int64_t lda, int64_t rows, int64_t k,
                     void* packed);

}  // namespace kiln::lowp_gemm
