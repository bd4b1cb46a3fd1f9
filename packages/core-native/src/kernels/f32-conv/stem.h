// Conv2D with few input channels (a CNN's stem) that reads an NCHW input and writes an NHWC output:
// no layout change before the first convolution. Vectorized over output channels: weights are
// prepacked into blocks of NR channels, each output row gets MR-pixel register tiles whose input
// taps come straight from a padded copy of the rows it reads (in_c * kernel_h rows, in L1).
// The bf16_conv_nchw variants run the same tiles and write bfloat16 (bf16 activations between bf16
// layers): each value float_to_bf16 of what the fp32 variant of the same tile writes; except
// bf16_conv_nchw_32x32__amx, a bf16 GEMM on AMX tiles (amx_stem_* below).
// See README.md ("NCHW-input convolution").
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv.h"

namespace kiln::f32_conv {

// Input channels the stem variants take: more channels make the NHWC GEMM paths (and the reformat
// before them) the better choice.
constexpr int64_t kNchwConvMaxInputChannels = 4;
// Output channels the few-output variants take (any input channels; stride and dilation 1 along
// W): vectorized over output pixels, where the GEMM paths would fill a vector with 1-4 channels.
constexpr int64_t kNchwConvMaxOutputChannels = 4;

// ConvShape is read as: input [batch, in_c, in_h, in_w] (NCHW), output [batch, out_h, out_w, out_c]
// (NHWC); groups must be 1, and in_c <= kNchwConvMaxInputChannels or out_c <=
// kNchwConvMaxOutputChannels with stride and dilation 1 along W: whether some variant takes it.
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
  // This row's output, NHWC, pixels output_stride values apart (column 0 first): float, or
  // uint16_t bfloat16 bits for the bf16_conv_nchw variants.
  void* output;
  int64_t output_stride;  // values between output pixels: out_c, or more inside a wider tensor
  const Epilogue* epilogue;
};

using NchwRowFn = void (*)(const NchwRowArgs& args);

void f32_conv_nchw_6x64__avx512(const NchwRowArgs& args);
void f32_conv_nchw_14x32__avx512(const NchwRowArgs& args);
void f32_conv_nchw_6x16__avx2(const NchwRowArgs& args);
void f32_conv_nchw_4x8__scalar(const NchwRowArgs& args);
void f32_conv_nchw_32x4__avx512(const NchwRowArgs& args);
void bf16_conv_nchw_6x64__avx512bf16(const NchwRowArgs& args);
void bf16_conv_nchw_14x32__avx512bf16(const NchwRowArgs& args);
void bf16_conv_nchw_6x64__avx512(const NchwRowArgs& args);
void bf16_conv_nchw_14x32__avx512(const NchwRowArgs& args);
void bf16_conv_nchw_6x16__avx2(const NchwRowArgs& args);
void bf16_conv_nchw_4x8__scalar(const NchwRowArgs& args);

struct NchwConvVariant {
  const char* name;  // f32_conv_nchw_6x64__avx512, bf16_conv_nchw_direct__scalar, ...
  Isa isa;
  bool output_bf16;  // bf16_conv_nchw: bfloat16 output (fp32 arithmetic, rounded once on store)
  // Register-tiled variants: channels per weight block (nr) and the block width's granule
  // (lanes: a block of c channels is round_up(c, lanes) wide). Both 0 for the reference.
  int nr, lanes;
  NchwRowFn row;  // null for the reference
  // Vectorized over output pixels for few output channels (kNchwConvMaxOutputChannels, any input
  // channels) rather than over output channels for few input channels (a stem).
  bool few_outputs = false;
  // AMX tiles (amx_stem_*): bf16 arithmetic with fp32 sums, not the fp32 tiles (row is null).
  bool amx = false;
};

// Whether `variant` takes the shape (the reference takes every shape nchw_conv_applies to).
bool nchw_conv_variant_applies(const NchwConvVariant& variant, const ConvShape& shape);

// The two families' lists (f32_conv_nchw, bf16_conv_nchw), each in the same tile order, the
// reference last; find_nchw_conv_variant looks in both.
const NchwConvVariant* nchw_conv_variants();
size_t nchw_conv_variant_count();
const NchwConvVariant* bf16_nchw_conv_variants();
size_t bf16_nchw_conv_variant_count();
const NchwConvVariant* find_nchw_conv_variant(const char* name);

// Packed weights, the same for a bf16 variant as for the fp32 variant of its tile. Tiled variants:
// per block of nr output channels (the last one narrower), [k = (ci, kh, kw)][round_up(block
// channels, lanes)], zero padded; the reference: ONNX OIHW.
size_t nchw_conv_packed_size(const NchwConvVariant& variant, const ConvShape& shape);
void nchw_conv_pack(const NchwConvVariant& variant, const ConvShape& shape, const float* weights_oihw,
                    float* packed);

// params.input is NCHW, params.output NHWC (params.output_stride > out_c: a channel range of a
// wider NHWC tensor, concat elimination); epilogue.residual is dense NHWC [.., out_c]. Output
// rows are split over the pool.
// An fp32-output variant only (params.output).
void nchw_conv_run(const NchwConvVariant& variant, const ConvShape& shape, const ConvParams& params,
                   ThreadPool* pool);

// A bf16-output variant: the same run with `output` (bfloat16 bits, NHWC, output_stride as above)
// in place of params.output, which must be null. The residual stays fp32.
void nchw_conv_run_bf16(const NchwConvVariant& variant, const ConvShape& shape, const ConvParams& params,
                        uint16_t* output, ThreadPool* pool);

// bf16_conv_nchw_32x32__amx (stem__amx.cc): the stem as bf16 GEMM tiles on AMX, in bf16 engines
// where the image's first layer is a large share of the time (squeezenet1_1's 64-channel stem on a
// Xeon with AMX: about as slow as onnxruntime's fp32 one on the fp32 tiles). Unlike the other
// bf16_conv_nchw variants it rounds its operands as every bf16 conv does: the input and the
// weights to bf16 (float_to_bf16), products summed in fp32 (TDPBF16PS: subnormal inputs and
// sums read and written as zero), then the fp32 epilogue and one rounding of the output. Takes
// in_c <= 4, kernel_w <= 8, kernel_h <= 16 and dilation 1 along W (a tap row's kernel_w pixels
// must be adjacent); any stride, padding and dilation along H. Packed weights: per 32-channel
// panel and tap row kh, [kernel_w * 4 / 2 pair rows][32 channels][2] bf16 (k = kw * 4 + ci; zero
// past in_c and out_c), counted in floats as the other variants' are.
bool amx_stem_applies(const ConvShape& shape);
size_t amx_stem_packed_size(const ConvShape& shape);
void amx_stem_pack(const ConvShape& shape, const float* weights_oihw, float* packed);
void amx_stem_run(const ConvShape& shape, const ConvParams& params, uint16_t* output, ThreadPool* pool);

// The plain-loop oracle (OIHW weights); the bf16 one stores float_to_bf16 of the same values.
void nchw_conv_reference_run(const ConvShape& shape, const ConvParams& params);
void nchw_conv_reference_run_bf16(const ConvShape& shape, const ConvParams& params, uint16_t* output);

}  // namespace kiln::f32_conv
