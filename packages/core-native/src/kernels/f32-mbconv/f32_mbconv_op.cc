// Driver of f32_mbconv layers (a fused inverted-residual block over NHWC).
// Layer: inputs [x NHWC [N,H,W,C], w packed float32 (expand | depthwise | project), expand bias? [E],
// depthwise bias? [E], project bias? [OC], residual? NHWC like y], outputs [y NHWC [N,OH,OW,OC]],
// params (19) [hasExpand, E, kh, kw, sh, sw, dh, dw, pad t, l, b, r, hasExpandBias,
// hasDepthwiseBias, hasProjectBias, hasResidual, expandSteps, depthwiseSteps, projectSteps],
// epilogue: the stages' activations in order, expandSteps + depthwiseSteps + projectSteps (each 0
// or 1) of them; an optional 20th param is the output rows per band (0 or absent: chosen by the
// kernel). Kernel ids: an exact variant (f32_mbconv_14x32__avx512, ...) or the alias
// f32_mbconv (the first variant at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/f32-mbconv/mbconv.h"

namespace kiln {
namespace {

using f32_mbconv::MbconvShape;
using f32_mbconv::MbconvVariant;

class F32MbconvOp final : public Op {
 public:
  F32MbconvOp(const MbconvVariant& variant, MbconvShape shape, f32_mbconv::MbconvParams params, std::vector<int> inputs,
              int y, bool check_alignment, std::string where)
      : variant_(variant), shape_(shape), params_(params), inputs_(std::move(inputs)), y_(y),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    f32_mbconv::MbconvParams p = params_;
    p.input = state.at<const float>(inputs_[0]);
    p.packed_weights = state.at<const float>(inputs_[1]);
    if (check_alignment_) check_packed_pointer(p.packed_weights, where_);
    p.output = state.at<float>(y_);
    if (inputs_[2] >= 0) p.expand_epilogue.bias = state.at<const float>(inputs_[2]);
    if (inputs_[3] >= 0) p.depthwise_epilogue.bias = state.at<const float>(inputs_[3]);
    if (inputs_[4] >= 0) p.project_epilogue.bias = state.at<const float>(inputs_[4]);
    if (inputs_[5] >= 0) p.project_epilogue.residual = state.at<const float>(inputs_[5]);
    f32_mbconv::run(variant_, shape_, p, state.pool);
  }

 private:
  const MbconvVariant& variant_;
  MbconvShape shape_;
  f32_mbconv::MbconvParams params_;
  std::vector<int> inputs_;  // x, w, expand bias, depthwise bias, project bias, residual (-1: absent)
  int y_;
  bool check_alignment_;
  std::string where_;
};

bool flag(const OpBuildArgs& args, size_t i, const char* name) {
  const int64_t v = param_int(args, i);
  require(v == 0 || v == 1, args, std::string(name) + " must be 0 or 1.", "0 or 1", std::to_string(v));
  return v == 1;
}

// The activation of one stage: epilogue steps [first, first + count) (count 0 or 1).
f32_gemm::Epilogue stage_epilogue(const OpBuildArgs& args, size_t first, size_t count) {
  LayerDesc stage = args.layer;
  stage.epilogue.assign(args.layer.epilogue.begin() + first, args.layer.epilogue.begin() + first + count);
  const OpBuildArgs stage_args{args.program, stage, args.where, args.base, args.isa};
  return fused_activation(stage_args);
}

}  // namespace

std::unique_ptr<Op> make_f32_mbconv(const OpBuildArgs& args) {
  const size_t param_count = args.layer.params.size() == 20 ? 20 : 19;
  require_params(args, param_count,
                 "hasExpand, E, kh, kw, sh, sw, dh, dw, pad t, l, b, r, hasExpandBias, hasDepthwiseBias, "
                 "hasProjectBias, hasResidual, expandSteps, depthwiseSteps, projectSteps[, bandRows]");
  MbconvShape s;
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
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "mbconv inputs");
  require_dtype(args, y, DType::kFloat32, "output");
  require(x.shape.size() == 4 && y.shape.size() == 4, args, "Block input and output must be 4-D NHWC.",
          "[N, H, W, C] and [N, OH, OW, OC]", shape_string(x.shape) + " and " + shape_string(y.shape));
  require(y.row_stride == 0, args, "f32_mbconv writes dense outputs only.", "rowStride 0", std::to_string(y.row_stride));
  s.batch = x.shape[0], s.in_h = x.shape[1], s.in_w = x.shape[2], s.in_c = x.shape[3], s.out_c = y.shape[3];
  require(s.valid(), args, "Invalid inverted-residual geometry.",
          "positive sizes, strides and dilations, pads >= 0, E == C without an expand conv, OH/OW >= 1",
          "x " + shape_string(x.shape) + ", E " + std::to_string(s.expand_c) + ", kernel " +
              std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w));
  const std::vector<int64_t> expected{s.batch, s.out_h(), s.out_w(), s.out_c};
  require(y.shape == expected, args, "Block output shape does not match the depthwise conv's geometry.",
          shape_string(expected), shape_string(y.shape));
  std::vector<int> slots{args.layer.inputs[0], args.layer.inputs[1], -1, -1, -1, -1};
  size_t next = 2;
  const int64_t bias_sizes[3] = {s.expand_c, s.expand_c, s.out_c};
  for (size_t i = 0; i < 3; ++i) {
    if (!has_bias[i]) continue;
    require(args.in(next).elements == bias_sizes[i], args, "Each bias must have one value per channel of its stage.",
            std::to_string(bias_sizes[i]), std::to_string(args.in(next).elements));
    slots[2 + i] = args.layer.inputs[next++];
  }
  if (has_residual) {
    require(args.in(next).shape == y.shape, args, "Residual must have the output's NHWC shape.", shape_string(y.shape),
            shape_string(args.in(next).shape));
    slots[5] = args.layer.inputs[next];
  }
  const MbconvVariant* variant = nullptr;
  if (args.base == "f32_mbconv") {
    for (size_t i = 0; i < f32_mbconv::variant_count() && variant == nullptr; ++i) {
      if (f32_mbconv::applies(f32_mbconv::variants()[i], args.isa, s)) variant = &f32_mbconv::variants()[i];
    }
  } else {
    variant = f32_mbconv::find_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown inverted-residual variant.", "a tactic id listed by kernels()", args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const TensorDesc& w = args.in(1);
  const int64_t packed = static_cast<int64_t>(f32_mbconv::packed_parts(*variant, s).total());
  require(w.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (the expand, depthwise and project convs packed for " +
              std::string(variant->name) + "'s GEMM, back to back)",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  f32_mbconv::MbconvParams params;
  if (param_count == 20) {
    params.band_rows = param_int(args, 19);
    require(params.band_rows >= 0, args, "bandRows must be >= 0.", "0 (automatic) or a row count",
            std::to_string(params.band_rows));
  }
  params.expand_epilogue = stage_epilogue(args, 0, steps[0]);
  params.depthwise_epilogue = stage_epilogue(args, steps[0], steps[1]);
  params.project_epilogue = stage_epilogue(args, steps[0] + steps[1], steps[2]);
  return std::make_unique<F32MbconvOp>(*variant, s, params, std::move(slots), args.layer.outputs[0],
                                       w.location == Location::kInput, args.where);
}

}  // namespace kiln
