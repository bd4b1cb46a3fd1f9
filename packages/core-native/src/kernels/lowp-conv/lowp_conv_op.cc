// Driver of bf16_conv / f16_conv / qu8_conv layers (Conv2D over NHWC, fp32 in and out, weights
// prepacked by packWeights in the variant's format). Inputs, outputs, params and epilogue exactly
// as f32_conv's. Kernel ids: an exact variant (qu8_conv_1x1_32x32__amx, ...) or the family alias
// (bf16_conv: the first applicable variant of that format at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-gemm/packed_weights.h"

namespace kiln {
namespace {

using lowp_conv::ConvShape;
using lowp_conv::ConvVariant;

class LowpConvOp final : public Op {
 public:
  LowpConvOp(const ConvVariant& variant, ConvShape shape, f32_gemm::Epilogue epilogue, int x, int w, int bias,
             int residual, int y, bool check_alignment, std::string where)
      : variant_(variant), format_(lowp_conv::gemm_of(variant).format), shape_(shape), epilogue_(epilogue), x_(x),
        w_(w), bias_(bias), residual_(residual), y_(y), check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    lowp_conv::ConvParams p;
    p.input = state.at<const float>(x_);
    const uint8_t* packed = state.at<const uint8_t>(w_);
    if (check_alignment_) check_packed_pointer(packed, where_);
    if (format_ == lowp_gemm::Format::kQu8) p.quantization = lowp_gemm::read_header(packed, where_);
    p.packed_weights = packed + lowp_gemm::header_bytes(format_);
    p.output = state.at<float>(y_);
    p.epilogue = epilogue_;
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    lowp_conv::run(variant_, shape_, p, state.pool);
  }

 private:
  const ConvVariant& variant_;
  lowp_gemm::Format format_;
  ConvShape shape_;
  f32_gemm::Epilogue epilogue_;
  int x_, w_, bias_, residual_, y_;
  bool check_alignment_;
  std::string where_;
};

}  // namespace

// The conv variant a lowp conv tactic base names at `isa` (alias: first applicable of its format).
const ConvVariant* resolve_lowp_conv(const std::string& base, Isa isa, const ConvShape& shape) {
  const std::string prefix = base + "_";
  if (base == "bf16_conv" || base == "f16_conv" || base == "qu8_conv") {
    for (size_t i = 0; i < lowp_conv::conv_variant_count(); ++i) {
      const ConvVariant& v = lowp_conv::conv_variants()[i];
      if (std::string(v.name).rfind(prefix, 0) == 0 && static_cast<int>(v.isa) <= static_cast<int>(isa) &&
          lowp_conv::applies(v, shape)) {
        return &v;
      }
    }
    return nullptr;
  }
  return lowp_conv::find_conv_variant((base + "__" + isa_name(isa)).c_str());
}

std::unique_ptr<Op> make_lowp_conv(const OpBuildArgs& args) {
  require_params(args, 13, "kh, kw, sh, sw, dh, dw, pad t, l, b, r, group, hasBias, hasResidual");
  int64_t p[13];
  for (int i = 0; i < 13; ++i) p[i] = param_int(args, i);
  const bool has_bias = p[11] != 0, has_residual = p[12] != 0;
  require(p[11] == 0 || p[11] == 1, args, "hasBias must be 0 or 1.", "0 or 1", std::to_string(p[11]));
  require(p[12] == 0 || p[12] == 1, args, "hasResidual must be 0 or 1.", "0 or 1", std::to_string(p[12]));
  const size_t inputs = 2 + has_bias + has_residual;
  require_arity(args, inputs, inputs, 1);
  const TensorDesc &x = args.in(0), &w = args.in(1), &y = args.out(0);
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "conv inputs");
  require_dtype(args, y, DType::kFloat32, "output");
  require(x.shape.size() == 4 && y.shape.size() == 4, args, "Conv input and output must be 4-D NHWC.",
          "[N, H, W, C] and [N, OH, OW, OC]", shape_string(x.shape) + " and " + shape_string(y.shape));
  ConvShape s;
  s.batch = x.shape[0], s.in_h = x.shape[1], s.in_w = x.shape[2], s.in_c = x.shape[3], s.out_c = y.shape[3];
  s.kernel_h = p[0], s.kernel_w = p[1], s.stride_h = p[2], s.stride_w = p[3], s.dilation_h = p[4], s.dilation_w = p[5];
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
  const ConvVariant* variant = resolve_lowp_conv(args.base, args.isa, s);
  require(variant != nullptr, args, "Unknown reduced-precision conv variant.", "a tactic id listed by kernels()",
          args.base);
  require(lowp_conv::applies(*variant, s), args, "This conv variant does not apply to the layer's geometry.",
          "more than one input channel per group (no depthwise), 1x1 without pads for conv_1x1 variants",
          "kernel " + std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + ", pads " +
              std::to_string(s.pad_top) + "," + std::to_string(s.pad_left) + "," + std::to_string(s.pad_bottom) +
              "," + std::to_string(s.pad_right));
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const lowp_gemm::Format format = lowp_conv::gemm_of(*variant).format;
  const int64_t bytes = lowp_gemm::header_bytes(format) + static_cast<int64_t>(lowp_conv::packed_bytes(*variant, s));
  require(w.bytes == bytes, args, "Packed weight size does not match the variant.",
          std::to_string(bytes / 4) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  const auto& in = args.layer.inputs;
  return std::make_unique<LowpConvOp>(*variant, s, fused_activation(args), in[0], in[1], has_bias ? in[2] : -1,
                                      has_residual ? in[inputs - 1] : -1, args.layer.outputs[0],
                                      w.location == Location::kInput, args.where);
}

}  // namespace kiln
