// Drivers of f32_conv_nchw and bf16_conv_nchw layers: a convolution with few input channels that
// reads an NCHW input and writes an NHWC output (a CNN's stem, with no reformat layer before it).
// Layer: inputs [x float32 NCHW [N,C,H,W] (C <= 4), w packed float32, bias? [OC], residual? float32
// NHWC like y], outputs [y NHWC [N,OH,OW,OC]: float32 for f32_conv_nchw (may be strided: a channel
// range of a wider tensor), bfloat16 for bf16_conv_nchw (bf16 activations between bf16 layers)],
// params [kh, kw, sh, sw, dh, dw, pad t, l, b, r, group (1), hasBias, hasResidual], epilogue: at
// most one activation. Kernel ids: an exact variant (f32_conv_nchw_6x64__avx512,
// bf16_conv_nchw_14x32__avx512, ...) or a family alias (the family's first variant at or below
// the ISA). A bf16 variant takes the packed weights of its fp32 twin (packWeights gives the same
// bytes), except bf16_conv_nchw_32x32__amx (AMX tiles: bf16 weights of its own layout).
//
// bf16_conv_nchw is a family of its own rather than an output-dtype option of f32_conv_nchw: its
// tactic id says it writes bf16 (the executor lets only bf16_* layers and x_concat touch bfloat16
// tensors, and the builder counts a layer's precision by its tactic's prefix), and it is timed as
// its own candidates in the form it runs.
#include "executor/conv_layer.h"
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/f32-conv/conv_op.h"
#include "kernels/f32-conv/stem.h"

namespace kiln {
namespace {

using f32_conv::ConvShape;
using f32_conv::NchwConvVariant;

using F32ConvNchwOp = F32ConvLayerOp<NchwConvVariant, ConvShape, f32_conv::nchw_conv_run>;

class Bf16ConvNchwOp final : public Op {
 public:
  Bf16ConvNchwOp(const NchwConvVariant& variant, ConvShape shape, f32_gemm::Epilogue epilogue, int x, int w, int bias,
                 int residual, int y, bool check_alignment, std::string where)
      : variant_(variant), shape_(shape), epilogue_(epilogue), x_(x), w_(w), bias_(bias), residual_(residual), y_(y),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    f32_conv::ConvParams p;
    p.input = state.at<const float>(x_);
    p.packed_weights = state.at<const float>(w_);
    if (check_alignment_) check_packed_pointer(p.packed_weights, where_);
    p.epilogue = epilogue_;
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    f32_conv::nchw_conv_run_bf16(variant_, shape_, p, state.at<uint16_t>(y_), state.pool);
  }

 private:
  const NchwConvVariant& variant_;
  ConvShape shape_;
  f32_gemm::Epilogue epilogue_;
  int x_, w_, bias_, residual_, y_;  // tensor ids; bias_ / residual_ -1 when the layer has none
  bool check_alignment_;
  std::string where_;
};

std::string geometry(const ConvShape& s) {
  return "C " + std::to_string(s.in_c) + ", group " + std::to_string(s.groups) + ", kernel " +
         std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + ", stride W " + std::to_string(s.stride_w);
}

// The geometry and packed-weight checks both families share; returns the variant that runs.
const NchwConvVariant& check_nchw_layer(const OpBuildArgs& args, const ConvLayer& layer, const NchwConvVariant* list,
                                        size_t count) {
  const ConvShape& s = layer.shape;
  const std::string family = args.base.rfind("bf16_", 0) == 0 ? "bf16_conv_nchw" : "f32_conv_nchw";
  const std::string takes = "group 1, and 1 <= C <= " + std::to_string(f32_conv::kNchwConvMaxInputChannels) +
                            " or OC <= " + std::to_string(f32_conv::kNchwConvMaxOutputChannels) +
                            " with stride and dilation 1 along W; positive sizes/strides/dilations, pads >= 0, OH/OW >= 1";
  require(f32_conv::nchw_conv_applies(s), args, family + " takes valid convolutions with group 1 and few input or output channels.",
          takes, "x " + shape_string(args.in(0).shape) + ", " + geometry(s));
  const NchwConvVariant* variant = nullptr;
  if (args.base == family) {
    for (size_t i = 0; i < count && variant == nullptr; ++i) {
      if (static_cast<int>(list[i].isa) <= static_cast<int>(args.isa) && f32_conv::nchw_conv_variant_applies(list[i], s)) variant = &list[i];
    }
  } else {
    variant = f32_conv::find_nchw_conv_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown " + family + " variant.", "a tactic id listed by kernels()", args.base);
  require(f32_conv::nchw_conv_variant_applies(*variant, s), args, std::string(variant->name) + " does not take this convolution.",
          variant->few_outputs ? "OC <= " + std::to_string(f32_conv::kNchwConvMaxOutputChannels) + ", stride and dilation 1 along W"
                               : "C <= " + std::to_string(f32_conv::kNchwConvMaxInputChannels),
          "x " + shape_string(args.in(0).shape) + ", OC " + std::to_string(s.out_c) + ", " + geometry(s));
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const TensorDesc& w = args.in(1);
  const int64_t packed = static_cast<int64_t>(f32_conv::nchw_conv_packed_size(*variant, s));
  require(w.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  return *variant;
}

}  // namespace

std::unique_ptr<Op> make_f32_conv_nchw(const OpBuildArgs& args) {
  ConvLayerOptions options;
  options.input_nchw = true;
  const ConvLayer layer = check_conv_layer(args, options);
  const NchwConvVariant& variant =
      check_nchw_layer(args, layer, f32_conv::nchw_conv_variants(), f32_conv::nchw_conv_variant_count());
  const auto& in = args.layer.inputs;
  return std::make_unique<F32ConvNchwOp>(variant, layer.shape, fused_activation(args), in[0], in[1],
                                         layer.has_bias ? in[2] : -1, layer.has_residual ? in[layer.inputs - 1] : -1,
                                         args.layer.outputs[0], args.out(0).row_stride,
                                         args.in(1).location == Location::kInput, args.where);
}

std::unique_ptr<Op> make_bf16_conv_nchw(const OpBuildArgs& args) {
  ConvLayerOptions options;
  options.input_nchw = true;
  options.bf16_io = true;
  const ConvLayer layer = check_conv_layer(args, options);
  require(!layer.input_bf16, args, "bf16_conv_nchw reads a float32 NCHW input.", "float32",
          dtype_name(args.in(0).dtype));
  require(!layer.residual_bf16, args, "bf16_conv_nchw adds a float32 residual.", "float32", "bfloat16");
  require(layer.output_bf16, args, "bf16_conv_nchw writes a bfloat16 output (f32_conv_nchw writes float32).",
          "bfloat16", dtype_name(args.out(0).dtype));
  const NchwConvVariant& variant =
      check_nchw_layer(args, layer, f32_conv::bf16_nchw_conv_variants(), f32_conv::bf16_nchw_conv_variant_count());
  require(args.out(0).row_stride == 0 || args.out(0).row_stride == layer.shape.out_c, args,
          "bf16_conv_nchw writes a dense NHWC output.", "row stride " + std::to_string(layer.shape.out_c),
          std::to_string(args.out(0).row_stride));
  const auto& in = args.layer.inputs;
  return std::make_unique<Bf16ConvNchwOp>(variant, layer.shape, fused_activation(args), in[0], in[1],
                                          layer.has_bias ? in[2] : -1, layer.has_residual ? in[layer.inputs - 1] : -1,
                                          args.layer.outputs[0], args.in(1).location == Location::kInput, args.where);
}

}  // namespace kiln
