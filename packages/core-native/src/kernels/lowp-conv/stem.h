// qu8_conv_nchw: an int8 convolution with few input channels (a CNN's stem) that reads the fp32
// NCHW input itself, with no reformat layer and no im2col. Each input row it needs is quantized
// once (the layer's input grid) into a padded row of VNNI quads, one pixel per 4-byte quad
// (channel c in byte c, channels past in_c and the padding columns hold the zero point); an
// output pixel, a tap (kh, kw) and 16 output channels are then one vpdpbusd of that pixel's quad
// with the tap's int8 weights. The sum is finished in registers (bias, ReLU/Clip, requantize):
//   acc[c] = sum_taps (x - zx) . wq[tap, c]                                    (exact, int32)
//   y[c]   = clamp(fma(float(acc[c]), sx * sw[c], bias[c]), lo, hi)
// stored as fp32 NHWC, or as uint8 NHWC on the output grid (1 / sy and zy folded into the FMA,
// as qu8_dwconv does). See README.md ("NCHW-input stem").
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::lowp_conv {

using f32_conv::ConvShape;

// Input channels one quad holds.
constexpr int64_t kStemMaxInputChannels = 4;

// Groups 1, 1 <= in_c <= 4; any kernel, stride, padding and dilation. ConvShape is read as input
// [batch, in_c, in_h, in_w] (NCHW) and output [batch, out_h, out_w, out_c] (NHWC).
bool stem_applies(const ConvShape& shape);
// Output channels rounded up to the 16-lane vector.
int64_t stem_padded_channels(const ConvShape& shape);
// stem_pack's bytes (a 64-byte multiple); the layer's packed tensor puts the qu8 input header first.
size_t stem_packed_bytes(const ConvShape& shape);

// stem_pack's output: sw[Cp] fp32 weight scales, wsum[Cp] int32 sums of the int8 weights, then
// int8 quads [kh][kw][Cp][4] (byte ci of a quad: input channel ci; zero past in_c and out_c).
struct StemWeights {
  const float* scale;
  const int32_t* sum;
  const int8_t* quads;
};
StemWeights stem_view(const ConvShape& shape, const void* packed);

// weights: ONNX OIHW [out_c, in_c, kh, kw]; scales per output channel (count out_c) or one (count
// 1), or null: max|w[c]| / 127 (1 for an all-zero channel). wq = clamp(rne(w / sw), -128, 127), as
// the qu8 GEMM packer quantizes.
void stem_pack(const ConvShape& shape, const float* weights, const float* scales, int64_t scale_count, void* packed);

struct StemParams {
  const float* input = nullptr;  // [N, C, H, W] fp32
  lowp_gemm::Quantization input_grid;
  const void* weights = nullptr;  // stem_pack output
  f32_gemm::Epilogue epilogue;    // bias [out_c] and activation (no residual)
  float* output = nullptr;        // [N, OH, OW, OC] fp32, or
  uint8_t* output_u8 = nullptr;   // [N, OH, OW, OC] on output_grid
  lowp_gemm::Quantization output_grid;
  // Elements between output pixels: 0 (dense, OC) or more, a channel range of a wider NHWC tensor.
  int64_t output_stride = 0;
};

// One output row. rows[kh]: the quad row under tap row kh (column p = padded input column p, 4
// bytes each; a row of zero-point quads where kh falls in the padding). The finish: fp32 (out)
// y = clamp(fma(float(acc), multiplier[c], offset[c]), lo, hi); uint8 (out_u8) the same value
// rounded to nearest even, with 1 / sy and zy already in multiplier/offset and lo/hi.
struct StemRow {
  const uint8_t* const* rows;
  const int8_t* weights;     // StemWeights::quads
  const int32_t* start;      // [Cp] -zx * wsum[c]
  const float* multiplier;   // [Cp]
  const float* offset;       // [Cp]
  float lo, hi;
  float* out;                // the row in the fp32 output (or a buffer), or null
  uint8_t* out_u8;           // the row in the uint8 output, or null
  int64_t pixel_stride;      // elements between the row's output pixels (>= out_c)
};

// Quantizes `count` columns of `channels` planes (each read from planes[ci]) into `count` quads.
using StemQuantizeFn = void (*)(const float* const* planes, int64_t channels, int64_t count,
                                const lowp_gemm::Quantization& grid, uint8_t* quads);
using StemRowFn = void (*)(const ConvShape& shape, const StemRow& row);

struct StemVariant {
  const char* name;  // qu8_conv_nchw_6x64__avx512vnni, ..., qu8_conv_nchw__scalar
  Isa isa;
  StemQuantizeFn quantize;
  StemRowFn row;
  f32_gemm::EpilogueRowFn epilogue_row;  // activations other than ReLU/Clip, on the fp32 row
};

const StemVariant* stem_variants();
size_t stem_variant_count();
const StemVariant* find_stem_variant(const char* name);

// Output rows are split over the pool.
void stem_run(const StemVariant& variant, const ConvShape& shape, const StemParams& params, ThreadPool* pool);

void stem_quantize__scalar(const float* const* planes, int64_t channels, int64_t count,
                           const lowp_gemm::Quantization& grid, uint8_t* quads);
void stem_row__scalar(const ConvShape& shape, const StemRow& row);
void stem_quantize__avx512vnni(const float* const* planes, int64_t channels, int64_t count,
                               const lowp_gemm::Quantization& grid, uint8_t* quads);
void stem_row_6x64__avx512vnni(const ConvShape& shape, const StemRow& row);
void stem_row_14x32__avx512vnni(const ConvShape& shape, const StemRow& row);

}  // namespace kiln::lowp_conv
