// Driver of f32_conv layers (Conv2D over NHWC with prepacked weights and a fused epilogue).
// Layer: inputs [x NHWC [N,H,W,C], w packed float32 [packed size], bias? [OC], residual? NHWC like y],
// outputs [y NHWC [N,OH,OW,OC]], params [kh, kw, sh, sw, dh, dw, pad t, l, b, r, group, hasBias,
// hasResidual], epilogue: at most one activation. Kernel ids: an exact variant
// (f32_conv_1x1_14x32__avx512, f32_dwconv_3x3__avx2, ...) or the family alias f32_conv (first
// applicable variant in list order at or below the ISA).
#include "executor/conv_layer.h"
#include "kernels/f32-conv/conv_op.h"
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/f32-conv/variants.h"

namespace kiln {
namespace {

using f32_conv::ConvShape;
using f32_conv::ConvVariant;

// GEMM-based variants (1x1, im2col/indirect, Winograd) write through a row stride
// (ConvParams.output_stride).
bool writes_strided(const ConvVariant& variant) {
  const std::string name = variant.name;
  return name.rfind("f32_conv_1x1_", 0) == 0 || name.rfind("f32_conv_im2col_", 0) == 0 ||
         name.rfind("f32_conv_winograd_", 0) == 0;
}

// The variant's own run function, as F32ConvLayerOp calls it.
void run_variant(const ConvVariant& variant, const ConvShape& shape, const f32_conv::ConvParams& params,
                 ThreadPool* pool) {
  variant.run(shape, params, pool);
}

using F32ConvOp = F32ConvLayerOp<ConvVariant, ConvShape, run_variant>;

}  // namespace

std::unique_ptr<Op> make_f32_conv(const OpBuildArgs& args) {
  const ConvLayer layer = check_conv_layer(args);
  const ConvShape& s = layer.shape;
  const bool has_bias = layer.has_bias, has_residual = layer.has_residual;
  const size_t inputs = layer.inputs;
  const TensorDesc& w = args.in(1);
  const int64_t output_stride = args.out(0).row_stride;
  const ConvVariant* variant = nullptr;
  if (args.base == "f32_conv") {
    for (size_t i = 0; i < f32_conv::conv_variant_count() && variant == nullptr; ++i) {
      const ConvVariant& v = f32_conv::conv_variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(args.isa) && v.applies(s) &&
          (output_stride == 0 || writes_strided(v)))
        variant = &v;
    }
  } else {
    variant = f32_conv::find_conv_variant((args.base + "__" + isa_name(args.isa)).c_str());
    require(variant != nullptr, args, "Unknown conv variant.", "a tactic id listed by kernels()", args.base);
    require(variant->applies(s), args, "This conv variant does not apply to the layer's geometry.",
            "a variant whose conditions hold (1x1 without pads for conv_1x1, depthwise for dwconv)",
            "kernel " + std::to_string(s.kernel_h) + "x" + std::to_string(s.kernel_w) + ", group " +
                std::to_string(s.groups) + ", C " + std::to_string(s.in_c) + ", OC " + std::to_string(s.out_c));
  }
  require(variant != nullptr, args, "No conv variant applies.", "an applicable variant", args.base);
  require(output_stride == 0 || writes_strided(*variant), args,
          "This conv variant cannot write a strided output.", "a GEMM-based variant (f32_conv_1x1_*, f32_conv_im2col_*, f32_conv_winograd_*)",
          variant->name);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const int64_t packed = static_cast<int64_t>(variant->packed_size(s));
  require(w.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  require_packed_alignment(args, w);
  const auto& in = args.layer.inputs;
  return std::make_unique<F32ConvOp>(*variant, s, fused_activation(args), in[0], in[1], has_bias ? in[2] : -1,
                                     has_residual ? in[inputs - 1] : -1, args.layer.outputs[0], output_stride,
                                     w.location == Location::kInput, args.where);
}

}  // namespace kiln
