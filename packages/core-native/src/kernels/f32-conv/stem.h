// Conv2D with few input channels (a CNN's stem) that reads an NCHW input and writes an NHWC output:
// no layout change before the first convolution. Vectorized over output channels: weights are
// prepacked into blocks of NR channels, each output row gets MR-pixel register tiles whose input
// taps come straight from a padded copy of the rows it reads (in_c * kernel_h rows, in L1).
// See README.md ("NCHW-input convolution").
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv.h"

namespace kiln::f32_conv {

// Input channels the family takes: more channels make the NHWC GEMM paths (and the reformat
// before them) the better choice.
constexpr int64_t kNchwConvMaxInputChannels = 4;

// ConvShape is read as: input [batch, in_c, in_h, in_w] (NCHW), output [batch, out_h, out_w, out_c]
// (NHWC); groups must be 1 and in_c <= kNchwConvMaxInputChannels.
bool nchw_conv_applies(const ConvShape& shape);

// Output columns [ow_begin, ow_end) of one output row (n, oh), for a register-tiled variant.
struct NchwRowArgs {
  const ConvShape* shape;
  int64_t ow_begin, ow_end;
  // Input of tap k = (ci, kh, kw) for output column ow_begin: column ow reads
  // taps[k][(ow - ow_begin) * stride_w]. The driver points them into the NCHW planes where the
  // columns need no padding, else into a small zero-padded copy (or a row of zeros).
  const float* const* taps;
  const float* weights;   // packed for the variant (nchw_conv_pack)
  const float* bias;      // [out_c] or null
  const float* residual;  // this row's residual, NHWC [out_w][out_c] (column 0 first), or null
  float* output;          // this row's output, NHWC, pixels output_stride floats apart (column 0 first)
  int64_t output_stride;  // floats between output pixels: out_c, or more inside a wider tensor
  const Epilogue* epilogue;
};

using NchwRowFn = void (*)(const NchwRowArgs& args);

void f32_conv_nchw_6x64__avx512(const NchwRowArgs& args);
void f32_conv_nchw_14x32__avx512(const NchwRowArgs& args);
void f32_conv_nchw_6x16__avx2(const NchwRowArgs& args);
void f32_conv_nchw_4x8__scalar(const NchwRowArgs& args);

struct NchwConvVariant {
  const char* name;  // f32_conv_nchw_6x64__avx512, f32_conv_nchw_direct__scalar, ...
  Isa isa;
  // Register-tiled variants: channels per weight block (nr) and the block width's granule
  // (lanes: a block of c channels is round_up(c, lanes) wide). Both 0 for the reference.
  int nr, lanes;
  NchwRowFn row;  // null for the reference
};

const NchwConvVariant* nchw_conv_variants();
size_t nchw_conv_variant_count();
const NchwConvVariant* find_nchw_conv_variant(const char* name);

// Packed weights. Tiled variants: per block of nr output channels (the last one narrower),
// [k = (ci, kh, kw)][round_up(block channels, lanes)], zero padded; the reference: ONNX OIHW.
size_t nchw_conv_packed_size(const NchwConvVariant& variant, const ConvShape& shape);
void nchw_conv_pack(const NchwConvVariant& variant, const ConvShape& shape, const float* weights_oihw,
                    float* packed);

// params.input is NCHW, params.output NHWC (params.output_stride > out_c: a channel range of a
// wider NHWC tensor, concat elimination); epilogue.residual is dense NHWC [.., out_c]. Output
// rows are split over the pool.
void nchw_conv_run(const NchwConvVariant& variant, const ConvShape& shape, const ConvParams& params,
                   ThreadPool* pool);

// The plain-loop oracle (OIHW weights).
void nchw_conv_reference_run(const ConvShape& shape, const ConvParams& params);

}  // namespace kiln::f32_conv
