// Driver of qu8_conv_nchw layers: an int8 convolution with few input channels that reads the fp32
// NCHW input itself (a CNN's stem in an int8 engine, with no reformat layer before it).
// Layer: inputs [x fp32 NCHW [N,C,H,W] (C <= 4), w packed (the qu8 header with the input grid,
// then stem_pack's bytes), bias? [OC]], outputs [y NHWC [N,OH,OW,OC], fp32 or uint8], params the
// 13 conv params (group 1, hasResidual 0) and, for a uint8 y, its grid (scale, zero point).
// Epilogue: at most one activation. Kernel ids: an exact variant (qu8_conv_nchw_6x64__avx512vnni,
// ...) or the family alias qu8_conv_nchw (the first variant at or below the ISA).
#include <cmath>

#include "executor/conv_layer.h"
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/lowp-conv/stem.h"
#include "kernels/lowp-gemm/packed_weights.h"

namespace kiln {
namespace {

using lowp_conv::StemParams;
using lowp_conv::StemVariant;

class Qu8ConvNchwOp final : public Op {
 public:
  Qu8ConvNchwOp(const StemVariant& variant, lowp_conv::ConvShape shape, StemParams params, int x, int w, int bias,
                int y, bool output_u8, bool check_alignment, std::string where)
      : variant_(variant), shape_(shape), params_(params), x_(x), w_(w), bias_(bias), y_(y), output_u8_(output_u8),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    StemParams p = params_;
    p.input = state.at<const float>(x_);
    const uint8_t* packed = state.at<const uint8_t>(w_);
    if (check_alignment_) check_packed_pointer(packed, where_);
    p.input_grid = lowp_gemm::read_header(packed, where_);
    p.weights = packed + lowp_gemm::kQuantHeaderBytes;
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (output_u8_) {
      p.output_u8 = state.at<uint8_t>(y_);
    } else {
      p.output = state.at<float>(y_);
    }
    lowp_conv::stem_run(variant_, shape_, p, state.pool);
  }

 private:
  const StemVariant& variant_;
  lowp_conv::ConvShape shape_;
  StemParams params_;
  int x_, w_, bias_, y_;
  bool output_u8_, check_alignment_;
  std::string where_;
};

std::string geometry(const lowp_conv::ConvShape& s) {
  return "C " + std::to_string(s.in_c) + ", group " + std::to_string(s.groups);
}

}  // namespace

std::unique_ptr<Op> make_qu8_conv_nchw(const OpBuildArgs& args) {
  const bool output_u8 = args.layer.outputs.size() == 1 && args.out(0).dtype == DType::kUint8;
  ConvLayerOptions options;
  options.uint8_io = true;
  options.trailing = output_u8 ? 2 : 0;
  options.input_nchw = true;
  const ConvLayer layer = check_conv_layer(args, options);
  const lowp_conv::ConvShape& s = layer.shape;
  const TensorDesc &x = args.in(0), &y = args.out(0), &w = args.in(1);
  require(!layer.input_u8, args, "qu8_conv_nchw reads a float32 NCHW input.", "float32", dtype_name(x.dtype));
  require(!layer.has_residual, args, "qu8_conv_nchw has no residual input.", "hasResidual 0", "1");
  require(lowp_conv::stem_applies(s), args, "qu8_conv_nchw takes convolutions with group 1 and few input channels.",
          "group 1, 1 <= C <= " + std::to_string(lowp_conv::kStemMaxInputChannels),
          "x " + shape_string(x.shape) + ", " + geometry(s));
  const StemVariant* variant = nullptr;
  if (args.base == "qu8_conv_nchw") {
    for (size_t i = 0; i < lowp_conv::stem_variant_count() && variant == nullptr; ++i) {
      const StemVariant& v = lowp_conv::stem_variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(args.isa)) variant = &v;
    }
  } else {
    variant = lowp_conv::find_stem_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown qu8_conv_nchw variant.", "a tactic id listed by kernels()", args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const int64_t bytes = lowp_gemm::kQuantHeaderBytes + static_cast<int64_t>(lowp_conv::stem_packed_bytes(s));
  require(w.dtype == DType::kFloat32 && w.bytes == bytes, args, "Packed weight size does not match the layer.",
          std::to_string(bytes / 4) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  StemParams p;
  if (output_u8) {
    const double scale = args.layer.params[13], zero_point = args.layer.params[14];
    require(std::isfinite(scale) && scale > 0 && zero_point >= 0 && zero_point <= 255 &&
                zero_point == std::floor(zero_point),
            args, "Invalid output quantization of a uint8 conv tensor.", "scale > 0, zero point an integer in 0..255",
            std::to_string(scale) + ", " + std::to_string(zero_point));
    p.output_grid = {static_cast<float>(scale), static_cast<int32_t>(zero_point)};
  }
  p.epilogue = fused_activation(args);
  p.output_stride = y.row_stride;  // 0, or a channel range of a wider NHWC tensor
  const auto& in = args.layer.inputs;
  return std::make_unique<Qu8ConvNchwOp>(*variant, s, p, in[0], in[1], layer.has_bias ? in[2] : -1,
                                         args.layer.outputs[0], output_u8, w.location == Location::kInput, args.where);
}

}  // namespace kiln
