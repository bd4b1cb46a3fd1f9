// qu8_dwconv: depthwise Conv2D over NHWC with int8 activations (uint8 grid: scale, zero point)
// in, and uint8 or fp32 out, in integer arithmetic. The weights are quantized per channel to
// int8 at pack time (symmetric: w ~ sw[c] * wq, wq in [-127, 127]); every tap is one uint8 x int8
// product summed in int32, and the sum is finished once:
//   acc[c] = sum_taps (x - zx) * wq[tap, c]                                  (exact, int32)
//   y[c]   = fma(float(acc[c]), sx * sw[c], bias[c]), clamped by ReLU/Clip
// then stored as fp32 or requantized to the output grid (for a uint8 output the scale, bias,
// 1 / output scale and output zero point fold into one FMA per value; see RowStore). Padding
// taps are the zero point (the quantized 0): they add nothing.
//
// Layout: each input row is read through a padded copy E (zx where the row is padding), turned
// into quads Q[p][c] = (E[p][c], E[p + d][c], E[p + 2d][c], E[p + 3d][c]) (d the dilation) once
// per row; output pixel ow, tap row kh, tap group g (kernel columns 4g..4g+3) is then one
// vpdpbusd of Q[ow * stride + 4g * d] with the packed weight quad. Summing over every padded tap
// and subtracting zx * sum(wq) gives acc without a branch on the image border.
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

// pack()'s output, all 4-byte words: sw[C] fp32 weight scales, wsum[C] int32 sums of the int8
// weights, then int8 quads [kh][groups][padded C][4] (zero past kw and past C).
struct PackedWeights {
  const float* scale;
  const int32_t* sum;
  const int8_t* quads;
};
PackedWeights packed_view(const ConvShape& shape, const void* packed);

struct DwParams {
  const uint8_t* input = nullptr;  // [N, H, W, C] on `input_grid`
  lowp_gemm::Quantization input_grid;
  const void* weights = nullptr;   // pack() output
  f32_gemm::Epilogue epilogue;     // bias [C] and activation (no residual)
  float* output = nullptr;         // [N, OH, OW, C] fp32, or
  uint8_t* output_u8 = nullptr;    // [N, OH, OW, C] on `output_grid`
  lowp_gemm::Quantization output_grid;
};

// One output row's inputs: quads[kh] is the quad row under tap row kh (a row of zx bytes where it
// falls in the padding), one 16-channel vector after another: the quads of channels [c0, c0 + 16)
// are `count` consecutive 64-byte vectors from quads[kh] + c0 * count * 4, quad q (input column
// q * step) the q-th (quad_at). A vector's walk along the row is then sequential (with all
// channels of a quad together, 16 channels of the next pixel sat padded_c * 4 bytes further: at
// 144 channels a new cache line every load). Only the channels [c_begin, c_end) are read and
// written (whole 16-channel vectors: both multiples of 16, c_end at most the padded channel count).
struct RowInput {
  const uint8_t* const* quads;
  int64_t step;  // input columns per quad index (the stride when 4 * dilation is a multiple of it)
  int64_t c_begin, c_end;
  int64_t count;  // quads per row
};

// Byte offset of quad q of 16-channel vector c0 / 16 (lane c0 % 16 included) in a quad row of
// `count` quads.
inline int64_t quad_at(int64_t count, int64_t q, int64_t c) { return ((c / 16 * count + q) * 16 + c % 16) * 4; }

// The finish of one output row. fp32 (out): y = fma(float(acc), multiplier[c], offset[c]) clamped
// to [lo, hi]. uint8 (out_u8): the multiplier and offset already carry 1 / output scale and the
// zero point, and q = clamp(rne(fma(float(acc), multiplier[c], offset[c])), lo, hi), lo and hi
// the activation clamp folded with [0, 255] as lowp_gemm::prepare_requantize does (+ zero point).
struct RowStore {
  const float* multiplier;  // [C padded]
  const float* offset;      // [C padded]
  float lo, hi;
  float* out;               // the row in the fp32 output, or null
  uint8_t* out_u8;          // the row in the uint8 output, or null
};

//   QuadRowFn: the quad row of `count` quads from the padded row E (count * step + 3 * d columns),
//     channels [c_begin, c_end), laid out as in RowInput.
//   RowFn: one output row (OW x C) from `input`, with `zx_sum[c]` = -zx * wsum[c] as the start.
using QuadRowFn = void (*)(const uint8_t* padded, int64_t count, int64_t step, int64_t dilation, int64_t c,
                           int64_t c_begin, int64_t c_end, uint8_t* quads);
using RowFn = void (*)(const ConvShape& shape, const int8_t* weights, const RowInput& input, const int32_t* zx_sum,
                       const RowStore& store);

struct DwVariant {
  const char* name;  // qu8_dwconv__avx512vnni, qu8_dwconv__scalar
  Isa isa;
  QuadRowFn quad_row;
  RowFn row;
  f32_gemm::EpilogueRowFn epilogue_row;  // activations other than ReLU/Clip, on the fp32 row
};

const DwVariant* dw_variants();
size_t dw_variant_count();
const DwVariant* find_dw_variant(const char* name);

// Depthwise with multiplier 1: groups == in_c == out_c.
bool applies(const ConvShape& shape);
// Channels rounded up to the 16-lane vector, and kernel column groups of four.
int64_t padded_channels(const ConvShape& shape);
int64_t tap_groups(const ConvShape& shape);
size_t packed_words(const ConvShape& shape);
// ONNX weights [C, 1, kh, kw] -> PackedWeights.
void pack(const ConvShape& shape, const float* weights, void* packed);

void run(const DwVariant& variant, const ConvShape& shape, const DwParams& params, ThreadPool* pool);

void quad_row__scalar(const uint8_t* padded, int64_t count, int64_t step, int64_t dilation, int64_t c,
                      int64_t c_begin, int64_t c_end, uint8_t* quads);
void dw_row__scalar(const ConvShape& shape, const int8_t* weights, const RowInput& input, const int32_t* zx_sum,
                    const RowStore& store);
void quad_row__avx512vnni(const uint8_t* padded, int64_t count, int64_t step, int64_t dilation, int64_t c,
                          int64_t c_begin, int64_t c_end, uint8_t* quads);
void dw_row__avx512vnni(const ConvShape& shape, const int8_t* weights, const RowInput& input, const int32_t* zx_sum,
                        const RowStore& store);

}  // namespace kiln::lowp_dwconv
