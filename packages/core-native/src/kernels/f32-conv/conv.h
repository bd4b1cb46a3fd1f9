// f32 convolution family over NHWC activations: Conv2D (1x1 as GEMM, im2col + GEMM, depthwise
// direct, grouped) and ConvTranspose (GEMM + col2im gather), with the GEMM family's fused epilogue.
// Weights come in ONNX layout and are prepacked per variant (pack / packed_size). See README.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-gemm/gemm.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::f32_conv {

using f32_gemm::Epilogue;

// Conv2D geometry. Input [batch, in_h, in_w, in_c] NHWC; weights ONNX OIHW
// [out_c, in_c / groups, kernel_h, kernel_w]; output [batch, out_h(), out_w(), out_c] NHWC.
struct ConvShape {
  int64_t batch = 1, in_h = 0, in_w = 0, in_c = 0, out_c = 0, groups = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

  int64_t out_h() const {
    return (in_h + pad_top + pad_bottom - dilation_h * (kernel_h - 1) - 1) / stride_h + 1;
  }
  int64_t out_w() const {
    return (in_w + pad_left + pad_right - dilation_w * (kernel_w - 1) - 1) / stride_w + 1;
  }
  bool valid() const;
};

// epilogue.bias: [out_c]; epilogue.residual: NHWC like the output (residual_stride is ignored).
struct ConvParams {
  const float* input = nullptr;
  const float* packed_weights = nullptr;  // 64-byte aligned, from the variant's pack
  float* output = nullptr;
  Epilogue epilogue;
  // GEMM-based variants take non-1x1 convolutions through indirect microkernels (no im2col
  // copy) when their GEMM variant has them; true forces the im2col path (tests cover both).
  bool force_im2col = false;
  // How the GEMM-based paths read A (1x1 input or im2col block); benches and tests force it.
  f32_gemm::APath a_path = f32_gemm::APath::kAuto;
  // Floats between consecutive output pixels; 0 = out_c (dense). Larger when the output is a
  // channel range of a wider NHWC tensor (concat elimination). GEMM-based variants only.
  int64_t output_stride = 0;
  // bf16 activations (Winograd variants only, for their bf16_conv_winograd twins): the input,
  // output and/or residual as bfloat16 (input / output / epilogue.residual then unused). Each
  // tile's input pixels are widened into scratch; each output row is rounded once on store.
  const uint16_t* input_bf16 = nullptr;
  uint16_t* output_bf16 = nullptr;
  const uint16_t* residual_bf16 = nullptr;
};

struct ConvVariant {
  const char* name;  // f32_conv_1x1_14x32__avx512, f32_dwconv_3x3__avx2, ...
  Isa isa;
  bool (*applies)(const ConvShape& shape);
  size_t (*packed_size)(const ConvShape& shape);  // floats
  void (*pack)(const ConvShape& shape, const float* weights_oihw, float* packed);
  void (*run)(const ConvShape& shape, const ConvParams& params, ThreadPool* pool);
};

// ConvTranspose geometry. Input [batch, in_h, in_w, in_c] NHWC; weights ONNX
// [in_c, out_c / groups, kernel_h, kernel_w]; output [batch, out_h(), out_w(), out_c] NHWC.
struct DeconvShape {
  int64_t batch = 1, in_h = 0, in_w = 0, in_c = 0, out_c = 0, groups = 1;
  int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t output_padding_h = 0, output_padding_w = 0;

  int64_t out_h() const {
    return (in_h - 1) * stride_h - pad_top - pad_bottom + dilation_h * (kernel_h - 1) +
           output_padding_h + 1;
  }
  int64_t out_w() const {
    return (in_w - 1) * stride_w - pad_left - pad_right + dilation_w * (kernel_w - 1) +
           output_padding_w + 1;
  }
  bool valid() const;
};

struct DeconvVariant {
  const char* name;  // f32_deconv_gemm_14x32__avx512, f32_deconv_direct__scalar
  Isa isa;
  bool (*applies)(const DeconvShape& shape);
  size_t (*packed_size)(const DeconvShape& shape);
  void (*pack)(const DeconvShape& shape, const float* weights_iohw, float* packed);
  void (*run)(const DeconvShape& shape, const ConvParams& params, ThreadPool* pool);
};

// Layout conversion kernels for the API boundary (plain blocked transposes).
void nchw_to_nhwc(const float* input, int64_t batch, int64_t channels, int64_t height,
                  int64_t width, float* output);
void nhwc_to_nchw(const float* input, int64_t batch, int64_t channels, int64_t height,
                  int64_t width, float* output);

}  // namespace kiln::f32_conv
