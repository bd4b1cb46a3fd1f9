// Internal helpers of the reduced-precision GEMM families: packed-layout arithmetic and the
// portable A packers (see README.md for the layouts).
#pragma once

#include "lowp.h"

namespace kiln::lowp_gemm {

int64_t padded_k(const LowpVariant& variant, int64_t k);
int64_t element_bytes(Format format);
int64_t panel_count(const LowpVariant& variant, int64_t n);

// The qu8 tail of a packed B: int32 column sums and fp32 weight scales, one per padded column.
struct QuantizedB {
  const int32_t* column_sums;
  const float* scales;
};
QuantizedB quantized_b(const LowpVariant& variant, int64_t k, int64_t n, const void* packed);

// Portable A packers (PackAFn). Panels of mr rows; rows past `rows` and K past `k` are zero.
//   bf16 pairs: [kpad/2][mr][2] bf16      f16: [k][mr] fp16      u8 quads: [kpad/4][mr][4] uint8
//   rows (AMX): [mr][kpad] (row-major, K padded to the variant's k_align)
void pack_a_bf16_pairs(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                       const Quantization& q, void* packed);
void pack_a_f16(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                const Quantization& q, void* packed);
void pack_a_u8_quads(const float* a, int64_t lda, int64_t rows, int64_t k, int mr,
                     const Quantization& q, void* packed);

}  // namespace kiln::lowp_gemm
