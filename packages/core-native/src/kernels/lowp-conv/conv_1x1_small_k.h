// qu8 1x1 convolution for few input channels (K <= 64), AVX512-VNNI: qu8_conv_1x1_smallk_64c4.
// With K that small a GEMM tile spends more on its finish (dequantize, requantize, store) than on
// vpdpbusd, and AMX pads K to whole tiles. This kernel keeps all of K's weights for up to 64
// output channels in registers (K/4 quads x up to 4 vectors of 16 channels), reads each uint8
// input row in place (one dword broadcast per k quad), and finishes the row in registers with the
// arithmetic of lowp-gemm's finish (bit for bit the same bytes), packing four vectors of int32 to
// bytes with two saturating packs. Rows are split over threads; there is no im2col copy.
#pragma once

#include <cstdint>

#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln::lowp_conv {

// Deepest K the kernel takes (16 k quads of weights in registers).
constexpr int64_t kSmallKMax = 64;

// 1x1, no padding, one group, 2 <= K <= kSmallKMax (any stride: strided rows are gathered).
bool small_k_applies(const ConvShape& shape);

// What the kernel needs besides ConvParams: the packed weights of `gemm` (qu8_gemm_14x32c4's
// layout: panels of 32 columns, [kpad/4][32][4] int8), and per output channel the dequantize
// scale (input scale x weight scale) and offset (bias - input zero point x scale x column sum).
struct SmallKJob {
  const ConvShape* shape;
  const ConvParams* params;
  const uint8_t* packed_b;
  int64_t kpad;
  const float* scale;
  const float* offset;
  int64_t ldc;  // elements between output rows: out_c, or more inside a wider tensor
  lowp_gemm::RowFinish finish;  // finishable()'d, prepare_requantize()'d for a uint8 output
};

// Rows [m0, m1) of the output. uint8 input rows are read in place when K is a multiple of 4 and
// the stride 1; otherwise (and fp32 input, quantized here) blocks of rows go to padded scratch.
void conv_1x1_small_k__avx512vnni(const SmallKJob& job, int64_t m0, int64_t m1);

}  // namespace kiln::lowp_conv
