// Driver of bf16_dwconv layers: the NHWC conv layer contract (conv_layer.h) of a depthwise conv,
// each of input, output and residual float32 or bfloat16 (bf16 activations between bf16
// layers). Weights are f32_dwconv's packing (packWeights('bf16_dwconv...') gives the same bytes).
#include "executor/conv_layer.h"
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/bf16-dwconv/dwconv.h"
#include "kernels/f32-conv/dwconv.h"

namespace kiln {
namespace {

using bf16_dwconv::DwParams;
using bf16_dwconv::DwVariant;

class Bf16DwconvOp final : public Op {
 public:
  Bf16DwconvOp(const DwVariant& variant, f32_conv::ConvShape shape, DwParams params, int x, int w, int bias,
               int residual, int y)
      : variant_(variant), shape_(shape), params_(params), x_(x), w_(w), bias_(bias), residual_(residual), y_(y) {}

  void run(const RunState& state) const override {
    DwParams p = params_;
    p.input.data = state.at<const void>(x_);
    p.weights = state.at<const float>(w_);
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.residual.data = state.at<const void>(residual_);
    p.output = state.at<void>(y_);
    bf16_dwconv::run(variant_, shape_, p, state.pool);
  }

 private:
  const DwVariant& variant_;
  f32_conv::ConvShape shape_;
  DwParams params_;
  int x_, w_, bias_, residual_, y_;
};

}  // namespace

std::unique_ptr<Op> make_bf16_dwconv(const OpBuildArgs& args) {
  ConvLayerOptions options;
  options.bf16_io = true;
  const ConvLayer layer = check_conv_layer(args, options);
  const f32_conv::ConvShape& s = layer.shape;
  require(f32_conv::dwconv_applies(s), args, "bf16_dwconv runs depthwise convolutions with one filter per channel.",
          "group == input channels == output channels",
          "group " + std::to_string(s.groups) + ", channels " + std::to_string(s.in_c) + " -> " +
              std::to_string(s.out_c));
  const std::string name = args.base + "__" + isa_name(args.isa);
  const DwVariant* variant = bf16_dwconv::find_dw_variant(name.c_str());
  require(variant != nullptr, args, "Unknown bf16_dwconv variant.", "a tactic id listed by kernels()", name);
  require(bf16_dwconv::applies(*variant, s), args, "This bf16_dwconv variant does not apply to the kernel size.",
          "3x3 for bf16_dwconv_3x3", std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w));
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const TensorDesc& w = args.in(1);
  const int64_t floats = static_cast<int64_t>(f32_conv::dwconv_packed_size(s));
  require(w.dtype == DType::kFloat32 && w.elements == floats, args, "Packed weight size does not match the layer.",
          std::to_string(floats) + " floats (packWeights('" + name + "', ...))", std::to_string(w.elements));
  require_packed_alignment(args, w);
  DwParams p;
  p.input.bf16 = layer.input_bf16;
  p.residual.bf16 = layer.residual_bf16;
  p.output_bf16 = layer.output_bf16;
  p.epilogue = fused_activation(args);
  const auto& in = args.layer.inputs;
  return std::make_unique<Bf16DwconvOp>(*variant, s, p, in[0], in[1], layer.has_bias ? in[2] : -1,
                                        layer.has_residual ? in[layer.inputs - 1] : -1, args.layer.outputs[0]);
}

}  // namespace kiln
