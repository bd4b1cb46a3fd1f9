// Driver of bf16_conv / f16_conv / qu8_conv layers (Conv2D over NHWC, fp32 in and out, or uint8
// (qu8) / bfloat16 (bf16) activations between layers; weights prepacked by packWeights in the
// variant's format). Inputs, outputs, params and epilogue exactly
// as f32_conv's. Kernel ids: an exact variant (qu8_conv_1x1_32x32__amx, ...) or the family alias
// (bf16_conv: the first applicable variant of that format at or below the ISA).
#include <cmath>

#include "executor/conv_layer.h"
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

  // int8 activations between layers: uint8 input (on the packed header's grid) and/or output.
  void set_uint8_io(bool input_u8, bool output_u8, lowp_gemm::Quantization output, bool residual_u8,
                    lowp_gemm::Quantization residual) {
    input_u8_ = input_u8, output_u8_ = output_u8, output_ = output;
    residual_u8_ = residual_u8, residual_grid_ = residual;
  }

  // bf16 activations between layers: bfloat16 input, output and/or residual.
  void set_bf16_io(bool input, bool output, bool residual) {
    input_bf16_ = input, output_bf16_ = output, residual_bf16_ = residual;
  }

  // A channel range of a wider NHWC tensor (concat elimination): elements between output pixels.
  void set_output_stride(int64_t stride) { output_stride_ = stride; }

  void run(const RunState& state) const override {
    lowp_conv::ConvParams p;
    if (input_bf16_) {
      p.input_bf16 = state.at<const uint16_t>(x_);
    } else if (input_u8_) {
      p.input_u8 = state.at<const uint8_t>(x_);
    } else {
      p.input = state.at<const float>(x_);
    }
    const uint8_t* packed = state.at<const uint8_t>(w_);
    if (check_alignment_) check_packed_pointer(packed, where_);
    if (format_ == lowp_gemm::Format::kQu8) p.quantization = lowp_gemm::read_header(packed, where_);
    p.packed_weights = packed + lowp_gemm::header_bytes(format_);
    if (output_bf16_) {
      p.output_bf16 = state.at<uint16_t>(y_);
    } else if (output_u8_) {
      p.output_u8 = state.at<uint8_t>(y_);
      p.output_quantization = output_;
    } else {
      p.output = state.at<float>(y_);
    }
    p.output_stride = output_stride_;
    p.epilogue = epilogue_;
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0 && residual_bf16_) {
      p.residual_bf16 = state.at<const uint16_t>(residual_);
    } else if (residual_ >= 0 && residual_u8_) {
      p.residual_u8 = state.at<const uint8_t>(residual_);
      p.residual_grid = residual_grid_;
    } else if (residual_ >= 0) {
      p.epilogue.residual = state.at<const float>(residual_);
    }
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
  bool input_u8_ = false, output_u8_ = false, residual_u8_ = false;
  bool input_bf16_ = false, output_bf16_ = false, residual_bf16_ = false;
  lowp_gemm::Quantization output_, residual_grid_;
  int64_t output_stride_ = 0;  // 0: dense
};

// Two trailing params of a qu8 conv from `at`: a uint8 tensor's grid (scale > 0, zero point 0..255).
lowp_gemm::Quantization grid_param(const OpBuildArgs& args, size_t at, const char* what) {
  const double scale = args.layer.params[at], zero_point = args.layer.params[at + 1];
  require(std::isfinite(scale) && scale > 0 && zero_point >= 0 && zero_point <= 255 &&
              zero_point == std::floor(zero_point),
          args, std::string("Invalid ") + what + " quantization of a uint8 conv tensor.",
          "scale > 0, zero point an integer in 0..255", std::to_string(scale) + ", " + std::to_string(zero_point));
  return {static_cast<float>(scale), static_cast<int32_t>(zero_point)};
}

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
  // qu8 layers may read and write uint8 (int8 activations); a uint8 output adds its grid as params.
  const bool qu8 = args.base.rfind("qu8_", 0) == 0;
  // Trailing params: the output grid (uint8 y), then the residual grid (uint8 residual).
  const bool output_u8 = qu8 && args.layer.outputs.size() == 1 && args.out(0).dtype == DType::kUint8;
  const auto& raw = args.layer.params;
  const bool residual_u8 = qu8 && raw.size() > 12 && raw[12] == 1 && !args.layer.inputs.empty() &&
                           args.layer.inputs.back() >= 0 && args.in(args.layer.inputs.size() - 1).dtype == DType::kUint8;
  // bf16 layers may read and write bfloat16 (bf16 activations between bf16 layers).
  const bool bf16 = args.base.rfind("bf16_", 0) == 0;
  ConvLayerOptions options{qu8, size_t{output_u8 ? 2u : 0u} + size_t{residual_u8 ? 2u : 0u}};
  options.bf16_io = bf16;
  const ConvLayer layer = check_conv_layer(args, options);
  const ConvShape& s = layer.shape;
  const bool has_bias = layer.has_bias, has_residual = layer.has_residual;
  const size_t inputs = layer.inputs;
  const TensorDesc& w = args.in(1);
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
  auto op = std::make_unique<LowpConvOp>(*variant, s, fused_activation(args), in[0], in[1], has_bias ? in[2] : -1,
                                         has_residual ? in[inputs - 1] : -1, args.layer.outputs[0],
                                         w.location == Location::kInput, args.where);
  op->set_uint8_io(layer.input_u8, layer.output_u8,
                   layer.output_u8 ? grid_param(args, 13, "output") : lowp_gemm::Quantization{}, layer.residual_u8,
                   layer.residual_u8 ? grid_param(args, layer.output_u8 ? 15 : 13, "residual")
                                     : lowp_gemm::Quantization{});
  op->set_bf16_io(layer.input_bf16, layer.output_bf16, layer.residual_bf16);
  // Every lowp conv variant writes through a row stride, whatever the output dtype (fp32, bfloat16,
  // uint8); the validator has checked that the strided view stays inside the arena.
  op->set_output_stride(args.out(0).row_stride);
  return op;
}

}  // namespace kiln
