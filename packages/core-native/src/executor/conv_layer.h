// The layer contract of every convolution family with an NHWC output (f32_conv, bf16_conv,
// f16_conv, qu8_conv, and f32_conv_nchw, whose input is NCHW): inputs [x NHWC (or NCHW), w packed,
// bias? [OC], residual? like y], outputs [y NHWC], params [kh, kw, sh, sw, dh, dw, pad t, l, b, r,
// group, hasBias, hasResidual]. One check of the bindings and the geometry for all of them; each
// family then checks its own packed weights and the geometries it takes.
#pragma once

#include <string>
#include <vector>

#include "executor/kernel_util.h"
#include "kernels/f32-conv/conv.h"

namespace kiln {

struct ConvLayer {
  f32_conv::ConvShape shape;
  bool has_bias, has_residual;
  size_t inputs;  // 2 + has_bias + has_residual
  bool input_u8 = false, output_u8 = false, residual_u8 = false;
  bool input_bf16 = false, output_bf16 = false, residual_bf16 = false;
};

// What a family accepts beyond the fp32 contract: uint8 x, y and/or residual (int8 activations
// between layers, qu8 families only) or bfloat16 ones (bf16 families), and `trailing` more params
// after the 13 (each family checks them).
struct ConvLayerOptions {
  bool uint8_io = false;
  size_t trailing = 0;
  bool input_nchw = false;  // x is [N, C, H, W] (f32_conv_nchw)
  bool bf16_io = false;     // bfloat16 x, y and/or residual (bf16 activations between bf16 layers)
};

inline ConvLayer check_conv_layer(const OpBuildArgs& args, ConvLayerOptions options = {}) {
  require_params(args, 13 + options.trailing,
                 options.trailing == 0 ? "kh, kw, sh, sw, dh, dw, pad t, l, b, r, group, hasBias, hasResidual"
                                       : "the 13 conv params and " + std::to_string(options.trailing) +
                                             " quantization params");
  int64_t p[13];
  for (int i = 0; i < 13; ++i) p[i] = param_int(args, i);
  const bool has_bias = p[11] != 0, has_residual = p[12] != 0;
  require(p[11] == 0 || p[11] == 1, args, "hasBias must be 0 or 1.", "0 or 1", std::to_string(p[11]));
  require(p[12] == 0 || p[12] == 1, args, "hasResidual must be 0 or 1.", "0 or 1", std::to_string(p[12]));
  const size_t inputs = 2 + has_bias + has_residual;
  require_arity(args, inputs, inputs, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  // The narrow activation type this family may read and write in place of fp32, if any.
  const DType narrow = options.uint8_io ? DType::kUint8 : options.bf16_io ? DType::kBfloat16 : DType::kFloat32;
  const bool narrow_io = narrow != DType::kFloat32;
  const bool input_narrow = narrow_io && x.dtype == narrow;
  const bool output_narrow = narrow_io && y.dtype == narrow;
  require_dtype(args, x, input_narrow ? narrow : DType::kFloat32, "conv input");
  const bool residual_narrow = narrow_io && has_residual && args.in(inputs - 1).dtype == narrow;
  for (size_t i = 1; i < inputs; ++i) {
    const bool narrow_here = residual_narrow && i == inputs - 1;
    require_dtype(args, args.in(i), narrow_here ? narrow : DType::kFloat32, "conv inputs");
  }
  require_dtype(args, y, output_narrow ? narrow : DType::kFloat32, "output");
  require(x.shape.size() == 4 && y.shape.size() == 4, args,
          options.input_nchw ? "Conv input must be 4-D NCHW and output 4-D NHWC." : "Conv input and output must be 4-D NHWC.",
          options.input_nchw ? "[N, C, H, W] and [N, OH, OW, OC]" : "[N, H, W, C] and [N, OH, OW, OC]",
          shape_string(x.shape) + " and " + shape_string(y.shape));
  f32_conv::ConvShape s;
  const int c_axis = options.input_nchw ? 1 : 3, h_axis = options.input_nchw ? 2 : 1;
  s.batch = x.shape[0], s.in_c = x.shape[c_axis], s.in_h = x.shape[h_axis], s.in_w = x.shape[h_axis + 1];
  s.out_c = y.shape[3];
  s.kernel_h = p[0], s.kernel_w = p[1], s.stride_h = p[2], s.stride_w = p[3], s.dilation_h = p[4],
  s.dilation_w = p[5];
  s.pad_top = p[6], s.pad_left = p[7], s.pad_bottom = p[8], s.pad_right = p[9], s.groups = p[10];
  require(s.valid(), args, "Invalid convolution geometry.",
          "positive sizes/strides/dilations, pads >= 0, C and OC divisible by group, OH/OW >= 1",
          "x " + shape_string(x.shape) + ", OC " + std::to_string(s.out_c) + ", group " + std::to_string(s.groups));
  const std::vector<int64_t> expected{s.batch, s.out_h(), s.out_w(), s.out_c};
  require(y.shape == expected, args, "Conv output shape does not match the convolution formula.",
          shape_string(expected), shape_string(y.shape));
  if (has_bias) {
    require(args.in(2).elements == s.out_c, args, "Bias must have one value per output channel.",
            std::to_string(s.out_c), std::to_string(args.in(2).elements));
  }
  if (has_residual) {
    require(args.in(inputs - 1).shape == y.shape, args, "Residual must have the output's NHWC shape.",
            shape_string(y.shape), shape_string(args.in(inputs - 1).shape));
  }
  const bool u8 = narrow == DType::kUint8, bf16 = narrow == DType::kBfloat16;
  return {s,
          has_bias,
          has_residual,
          inputs,
          u8 && input_narrow,
          u8 && output_narrow,
          u8 && residual_narrow,
          bf16 && input_narrow,
          bf16 && output_narrow,
          bf16 && residual_narrow};
}

}  // namespace kiln
