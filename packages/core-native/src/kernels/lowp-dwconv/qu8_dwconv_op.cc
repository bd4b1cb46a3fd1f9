// Driver of qu8_dwconv layers: the NHWC conv layer contract (conv_layer.h) with a uint8 input,
// a uint8 or fp32 output, no residual, and four trailing params: the input grid (scale, zero
// point) and the output grid (scale, zero point; both 0 when the output is fp32). Weights are
// pack()'s per-channel int8 quads with their scales and sums (a float32 tensor of 4-byte words).
#include <cmath>

#include "executor/conv_layer.h"
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/lowp-dwconv/dwconv.h"

namespace kiln {
namespace {

using lowp_dwconv::DwParams;
using lowp_dwconv::DwVariant;

class Qu8DwconvOp final : public Op {
 public:
  Qu8DwconvOp(const DwVariant& variant, lowp_dwconv::ConvShape shape, DwParams params, int x, int w, int bias, int y,
              bool output_u8)
      : variant_(variant), shape_(shape), params_(params), x_(x), w_(w), bias_(bias), y_(y), output_u8_(output_u8) {}

  void run(const RunState& state) const override {
    DwParams p = params_;
    p.input = state.at<const uint8_t>(x_);
    p.weights = state.at<const float>(w_);  // PackedWeights words
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (output_u8_) {
      p.output_u8 = state.at<uint8_t>(y_);
    } else {
      p.output = state.at<float>(y_);
    }
    lowp_dwconv::run(variant_, shape_, p, state.pool);
  }

 private:
  const DwVariant& variant_;
  lowp_dwconv::ConvShape shape_;
  DwParams params_;
  int x_, w_, bias_, y_;
  bool output_u8_;
};

lowp_gemm::Quantization grid_at(const OpBuildArgs& args, size_t i, const char* what) {
  const double scale = args.layer.params[i], zero_point = args.layer.params[i + 1];
  require(std::isfinite(scale) && scale > 0 && zero_point >= 0 && zero_point <= 255 &&
              zero_point == std::floor(zero_point),
          args, std::string("Invalid ") + what + " quantization.", "scale > 0, zero point an integer in 0..255",
          std::to_string(scale) + ", " + std::to_string(zero_point));
  return {static_cast<float>(scale), static_cast<int32_t>(zero_point)};
}

}  // namespace

std::unique_ptr<Op> make_qu8_dwconv(const OpBuildArgs& args) {
  const ConvLayer layer = check_conv_layer(args, {true, 4});
  const lowp_dwconv::ConvShape& s = layer.shape;
  require(layer.input_u8, args, "qu8_dwconv reads a uint8 input.", "uint8", dtype_name(args.in(0).dtype));
  require(!layer.has_residual, args, "qu8_dwconv has no residual input.", "hasResidual 0", "1");
  require(lowp_dwconv::applies(s), args, "qu8_dwconv runs depthwise convolutions with one filter per channel.",
          "group == input channels == output channels",
          "group " + std::to_string(s.groups) + ", channels " + std::to_string(s.in_c) + " -> " +
              std::to_string(s.out_c));
  const std::string name = args.base + "__" + isa_name(args.isa);
  const DwVariant* variant = lowp_dwconv::find_dw_variant(name.c_str());
  require(variant != nullptr, args, "Unknown qu8_dwconv variant.", "a tactic id listed by kernels()", name);
  const TensorDesc& w = args.in(1);
  const int64_t floats = static_cast<int64_t>(lowp_dwconv::packed_words(s));
  require(w.dtype == DType::kFloat32 && w.elements == floats, args, "Packed weight size does not match the layer.",
          std::to_string(floats) + " floats (packWeights('" + name + "', ...))", std::to_string(w.elements));
  DwParams p;
  p.input_grid = grid_at(args, 13, "input");
  if (layer.output_u8) {
    p.output_grid = grid_at(args, 15, "output");
  } else {
    require(args.layer.params[15] == 0 && args.layer.params[16] == 0, args,
            "A qu8_dwconv with a float32 output has no output grid.", "0, 0",
            std::to_string(args.layer.params[15]) + ", " + std::to_string(args.layer.params[16]));
  }
  p.epilogue = fused_activation(args);
  const auto& in = args.layer.inputs;
  return std::make_unique<Qu8DwconvOp>(*variant, s, p, in[0], in[1], layer.has_bias ? in[2] : -1,
                                       args.layer.outputs[0], layer.output_u8);
}

}  // namespace kiln
