// Driver of f32_conv_nchw layers: a convolution with few input channels that reads an NCHW input
// and writes an NHWC output (a CNN's stem, with no reformat layer before it).
// Layer: inputs [x NCHW [N,C,H,W] (C <= 4), w packed float32, bias? [OC], residual? NHWC like y],
// outputs [y NHWC [N,OH,OW,OC], may be strided: a channel range of a wider tensor], params [kh, kw, sh, sw, dh, dw, pad t, l, b, r, group (1),
// hasBias, hasResidual], epilogue: at most one activation. Kernel ids: an exact variant
// (f32_conv_nchw_6x64__avx512, ...) or the family alias f32_conv_nchw (first applicable variant).
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

std::string geometry(const ConvShape& s) {
  return "C " + std::to_string(s.in_c) + ", group " + std::to_string(s.groups) + ", kernel " +
         std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w);
}

}  // namespace

std::unique_ptr<Op> make_f32_conv_nchw(const OpBuildArgs& args) {
  ConvLayerOptions options;
  options.input_nchw = true;
  const ConvLayer layer = check_conv_layer(args, options);
  const ConvShape& s = layer.shape;
  const bool has_bias = layer.has_bias, has_residual = layer.has_residual;
  const size_t inputs = layer.inputs;
  const TensorDesc &x = args.in(0), &y = args.out(0), &w = args.in(1);
  require(f32_conv::nchw_conv_applies(s), args, "f32_conv_nchw takes valid convolutions with group 1 and few input channels.",
          "group 1, 1 <= C <= " + std::to_string(f32_conv::kNchwConvMaxInputChannels) +
              ", positive sizes/strides/dilations, pads >= 0, OH/OW >= 1",
          "x " + shape_string(x.shape) + ", " + geometry(s));
  const NchwConvVariant* variant = nullptr;
  if (args.base == "f32_conv_nchw") {
    for (size_t i = 0; i < f32_conv::nchw_conv_variant_count() && variant == nullptr; ++i) {
      const NchwConvVariant& v = f32_conv::nchw_conv_variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(args.isa)) variant = &v;
    }
  } else {
    variant = f32_conv::find_nchw_conv_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown f32_conv_nchw variant.", "a tactic id listed by kernels()", args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const int64_t packed = static_cast<int64_t>(f32_conv::nchw_conv_packed_size(*variant, s));
  require(w.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  const auto& in = args.layer.inputs;
  return std::make_unique<F32ConvNchwOp>(*variant, s, fused_activation(args), in[0], in[1], has_bias ? in[2] : -1,
                                         has_residual ? in[inputs - 1] : -1, args.layer.outputs[0], y.row_stride,
                                         w.location == Location::kInput, args.where);
}

}  // namespace kiln
