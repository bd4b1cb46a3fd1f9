// The layer contract of the fused inverted-residual families (f32_mbconv, bf16_mbconv): inputs
// [x NHWC [N,H,W,C], w packed (expand | depthwise | project), expand bias? [E], depthwise bias? [E],
// project bias? [OC], residual? NHWC like y], outputs [y NHWC [N,OH,OW,OC]], params (19) [hasExpand,
// E, kh, kw, sh, sw, dh, dw, pad t, l, b, r, hasExpandBias, hasDepthwiseBias, hasProjectBias,
// hasResidual, expandSteps, depthwiseSteps, projectSteps(, bandRows)], epilogue: the stages'
// activations in order (each stage 0 or 1 step). One check of the bindings, the geometry and the
// epilogue for both; each family then checks its own packed weights.
#pragma once

#include <string>
#include <vector>

#include "executor/fused_epilogue.h"
#include "executor/kernel_util.h"
#include "kernels/f32-mbconv/mbconv.h"

namespace kiln {

struct MbconvLayer {
  f32_mbconv::MbconvShape shape;
  f32_gemm::Epilogue expand, depthwise, project;  // activations only (biases bound per run)
  std::vector<int> slots;                         // x, w, expand bias, dw bias, project bias, residual (-1: absent)
  int64_t band_rows = 0;                          // 0: chosen by the kernel
  bool input_bf16 = false, output_bf16 = false, residual_bf16 = false;
};

namespace mbconv_layer_detail {

inline bool flag(const OpBuildArgs& args, size_t i, const char* name) {
  const int64_t v = param_int(args, i);
  require(v == 0 || v == 1, args, std::string(name) + " must be 0 or 1.", "0 or 1", std::to_string(v));
  return v == 1;
}

// The activation of one stage: epilogue steps [first, first + count) (count 0 or 1).
inline f32_gemm::Epilogue stage_epilogue(const OpBuildArgs& args, size_t first, size_t count) {
  LayerDesc stage = args.layer;
  stage.epilogue.assign(args.layer.epilogue.begin() + first, args.layer.epilogue.begin() + first + count);
  const OpBuildArgs stage_args{args.program, stage, args.where, args.base, args.isa};
  return fused_activation(stage_args);
}

}  // namespace mbconv_layer_detail

// bf16_io: x, y and the residual may each be bfloat16 (bf16 activations between bf16 layers).
inline MbconvLayer check_mbconv_layer(const OpBuildArgs& args, bool bf16_io) {
  using mbconv_layer_detail::flag;
  using mbconv_layer_detail::stage_epilogue;
  const size_t param_count = args.layer.params.size() == 20 ? 20 : 19;
  require_params(args, param_count,
                 "hasExpand, E, kh, kw, sh, sw, dh, dw, pad t, l, b, r, hasExpandBias, hasDepthwiseBias, "
                 "hasProjectBias, hasResidual, expandSteps, depthwiseSteps, projectSteps[, bandRows]");
  MbconvLayer layer;
  f32_mbconv::MbconvShape& s = layer.shape;
  s.has_expand = flag(args, 0, "hasExpand");
  s.expand_c = param_int(args, 1);
  s.kernel_h = param_int(args, 2), s.kernel_w = param_int(args, 3), s.stride_h = param_int(args, 4);
  s.stride_w = param_int(args, 5), s.dilation_h = param_int(args, 6), s.dilation_w = param_int(args, 7);
  s.pad_top = param_int(args, 8), s.pad_left = param_int(args, 9), s.pad_bottom = param_int(args, 10);
  s.pad_right = param_int(args, 11);
  const bool has_bias[3] = {flag(args, 12, "hasExpandBias"), flag(args, 13, "hasDepthwiseBias"),
                            flag(args, 14, "hasProjectBias")};
  const bool has_residual = flag(args, 15, "hasResidual");
  size_t steps[3];
  for (size_t i = 0; i < 3; ++i) {
    const int64_t v = param_int(args, 16 + i);
    require(v == 0 || v == 1, args, "Each stage fuses at most one activation.", "0 or 1", std::to_string(v));
    steps[i] = static_cast<size_t>(v);
  }
  require(args.layer.epilogue.size() == steps[0] + steps[1] + steps[2], args,
          "The epilogue must list each stage's activation.",
          std::to_string(steps[0] + steps[1] + steps[2]) + " steps", std::to_string(args.layer.epilogue.size()));
  require(s.has_expand || (!has_bias[0] && steps[0] == 0), args, "A block without an expand conv has no expand epilogue.",
          "hasExpandBias 0 and expandSteps 0", "an expand bias or activation");
  const size_t inputs = 2 + has_bias[0] + has_bias[1] + has_bias[2] + has_residual;
  require_arity(args, inputs, inputs, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  const auto narrow = [&](const TensorDesc& t) { return bf16_io && t.dtype == DType::kBfloat16; };
  layer.input_bf16 = narrow(x), layer.output_bf16 = narrow(y);
  layer.residual_bf16 = has_residual && narrow(args.in(inputs - 1));
  for (size_t i = 0; i < inputs; ++i) {
    const bool bf16 = (i == 0 && layer.input_bf16) || (has_residual && i == inputs - 1 && layer.residual_bf16);
    require_dtype(args, args.in(i), bf16 ? DType::kBfloat16 : DType::kFloat32, "mbconv inputs");
  }
  require_dtype(args, y, layer.output_bf16 ? DType::kBfloat16 : DType::kFloat32, "output");
  require(x.shape.size() == 4 && y.shape.size() == 4, args, "Block input and output must be 4-D NHWC.",
          "[N, H, W, C] and [N, OH, OW, OC]", shape_string(x.shape) + " and " + shape_string(y.shape));
  require(y.row_stride == 0, args, "Inverted-residual layers write dense outputs only.", "rowStride 0",
          std::to_string(y.row_stride));
  s.batch = x.shape[0], s.in_h = x.shape[1], s.in_w = x.shape[2], s.in_c = x.shape[3], s.out_c = y.shape[3];
  require(s.valid(), args, "Invalid inverted-residual geometry.",
          "positive sizes, strides and dilations, pads >= 0, E == C without an expand conv, OH/OW >= 1",
          "x " + shape_string(x.shape) + ", E " + std::to_string(s.expand_c) + ", kernel " +
              std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w));
  const std::vector<int64_t> expected{s.batch, s.out_h(), s.out_w(), s.out_c};
  require(y.shape == expected, args, "Block output shape does not match the depthwise conv's geometry.",
          shape_string(expected), shape_string(y.shape));
  layer.slots = {args.layer.inputs[0], args.layer.inputs[1], -1, -1, -1, -1};
  size_t next = 2;
  const int64_t bias_sizes[3] = {s.expand_c, s.expand_c, s.out_c};
  for (size_t i = 0; i < 3; ++i) {
    if (!has_bias[i]) continue;
    require(args.in(next).elements == bias_sizes[i], args, "Each bias must have one value per channel of its stage.",
            std::to_string(bias_sizes[i]), std::to_string(args.in(next).elements));
    layer.slots[2 + i] = args.layer.inputs[next++];
  }
  if (has_residual) {
    require(args.in(next).shape == y.shape, args, "Residual must have the output's NHWC shape.", shape_string(y.shape),
            shape_string(args.in(next).shape));
    layer.slots[5] = args.layer.inputs[next];
  }
  if (param_count == 20) {
    layer.band_rows = param_int(args, 19);
    require(layer.band_rows >= 0, args, "bandRows must be >= 0.", "0 (automatic) or a row count",
            std::to_string(layer.band_rows));
  }
  layer.expand = stage_epilogue(args, 0, steps[0]);
  layer.depthwise = stage_epilogue(args, steps[0], steps[1]);
  layer.project = stage_epilogue(args, steps[0] + steps[1], steps[2]);
  return layer;
}

}  // namespace kiln
