// qu8_dwconv: depthwise Conv2D over NHWC with int8 activations (uint8 grid: scale, zero point)
// in, and uint8 or fp32 out. Depthwise layers are memory-bound, so the win is reading a quarter
// of the bytes: the taps are widened to fp32 and multiplied with the fp32 weights, so the only
// quantization error is that of the activations themselves (no weight rounding).
//   y[n, oh, ow, c] = epilogue(sx * sum_taps (x - zx) * w[tap, c] + bias[c])
// then requantized to the output grid (ReLU/Clip already applied), or stored as fp32. Padding
// taps are the zero point (the quantized 0): they add nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::lowp_dwconv {

using f32_conv::ConvShape;

struct DwParams {
  const uint8_t* input = nullptr;  // [N, H, W, C] on `input_grid`
  lowp_gemm::Quantization input_grid;
  const float* weights = nullptr;  // pack() output: [kh * kw][C]
  f32_gemm::Epilogue epilogue;     // bias [C] and activation (no residual)
  float* output = nullptr;         // [N, OH, OW, C] fp32, or
  uint8_t* output_u8 = nullptr;    // [N, OH, OW, C] on `output_grid`
  lowp_gemm::Quantization output_grid;
};

// Input rows are dequantized once each, (x - zx) * sx into fp32 (a rolling window of the rows
// the kernel spans), then every tap is one fp32 FMA, as in f32-conv's depthwise kernels.
//   DequantRowFn: count uint8 values -> fp32.
//   RowFn: one output row (OW x C) from `rows[kh]` (the dequantized input row under tap row kh,
//   null where it falls in the padding). With `store` (bias and a ReLU/Clip/no activation, see
//   fused_store), the row is finished in registers: bias, clamp, and written to the fp32 or
//   uint8 output; otherwise raw sums go to `out` and the driver applies the epilogue.
using DequantRowFn = void (*)(const uint8_t* x, int64_t count, lowp_gemm::Quantization grid, float* y);

struct RowStore {
  const float* bias;  // [C] or null
  float lo, hi;       // activation clamp (-inf, +inf without one)
  uint8_t* out_u8;    // the row in the uint8 output, or null (fp32: `out`)
  lowp_gemm::Quantization grid;
};
using RowFn = void (*)(const ConvShape& shape, const float* weights, const float* const* rows, const RowStore* store,
                       float* out);

// The RowStore of an epilogue that the row kernels finish in registers, if it is one.
bool fused_store(const f32_gemm::Epilogue& epilogue, RowStore* store);

struct DwVariant {
  const char* name;  // qu8_dwconv__avx512, qu8_dwconv__scalar
  Isa isa;
  DequantRowFn dequant_row;
  RowFn row;
  f32_gemm::EpilogueRowFn epilogue_row;
};

const DwVariant* dw_variants();
size_t dw_variant_count();
const DwVariant* find_dw_variant(const char* name);

// Depthwise with multiplier 1: groups == in_c == out_c.
bool applies(const ConvShape& shape);
size_t packed_floats(const ConvShape& shape);
// ONNX weights [C, 1, kh, kw] -> [kh * kw][C].
void pack(const ConvShape& shape, const float* weights, float* packed);

void run(const DwVariant& variant, const ConvShape& shape, const DwParams& params, ThreadPool* pool);

void dequant_row__scalar(const uint8_t* x, int64_t count, lowp_gemm::Quantization grid, float* y);
void dw_row__scalar(const ConvShape& shape, const float* weights, const float* const* rows, const RowStore* store,
                    float* out);
void dequant_row__avx512(const uint8_t* x, int64_t count, lowp_gemm::Quantization grid, float* y);
void dw_row__avx512(const ConvShape& shape, const float* weights, const float* const* rows, const RowStore* store,
                    float* out);

}  // namespace kiln::lowp_dwconv
