// Driver of f32_deconv layers (ConvTranspose 2-D over NHWC with prepacked weights and a fused
// epilogue). Layer: inputs [x NHWC [N,H,W,C], w packed float32 [packed size], bias? [OC]],
// outputs [y NHWC [N,OH,OW,OC]], params [kh, kw, sh, sw, dh, dw, pad t, l, b, r, output_padding h,
// w, group, hasBias], epilogue: at most one activation. Kernel ids: an exact variant
// (f32_deconv_gemm_14x32__avx512, f32_deconv_direct__scalar, ...) or the family alias f32_deconv
// (first applicable variant in list order at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "kernels/f32-conv/conv_op.h"
#include "kernels/f32-conv/variants.h"

namespace kiln {
namespace {

using f32_conv::DeconvShape;
using f32_conv::DeconvVariant;

// The variant's own run function, as F32ConvLayerOp calls it.
void run_variant(const DeconvVariant& variant, const DeconvShape& shape, const f32_conv::ConvParams& params,
                 ThreadPool* pool) {
  variant.run(shape, params, pool);
}

using F32DeconvOp = F32ConvLayerOp<DeconvVariant, DeconvShape, run_variant>;

}  // namespace

std::unique_ptr<Op> make_f32_deconv(const OpBuildArgs& args) {
  require_params(args, 14, "kh, kw, sh, sw, dh, dw, pad t, l, b, r, output_padding h, w, group, hasBias");
  int64_t p[14];
  for (int i = 0; i < 14; ++i) {
    p[i] = param_int(args, i);
    // Bounded so the output-size formula cannot overflow; real geometries are far smaller.
    require(p[i] >= 0 && p[i] < (int64_t{1} << 31), args, "ConvTranspose params out of range.", "0 <= param < 2^31",
            std::to_string(p[i]));
  }
  require(p[13] == 0 || p[13] == 1, args, "hasBias must be 0 or 1.", "0 or 1", std::to_string(p[13]));
  const bool has_bias = p[13] != 0;
  const size_t inputs = 2 + has_bias;
  require_arity(args, inputs, inputs, 1);
  const TensorDesc &x = args.in(0), &w = args.in(1), &y = args.out(0);
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "deconv inputs");
  require_dtype(args, y, DType::kFloat32, "output");
  require(x.shape.size() == 4 && y.shape.size() == 4, args, "ConvTranspose input and output must be 4-D NHWC.",
          "[N, H, W, C] and [N, OH, OW, OC]", shape_string(x.shape) + " and " + shape_string(y.shape));
  DeconvShape s;
  s.batch = x.shape[0], s.in_h = x.shape[1], s.in_w = x.shape[2], s.in_c = x.shape[3], s.out_c = y.shape[3];
  s.kernel_h = p[0], s.kernel_w = p[1], s.stride_h = p[2], s.stride_w = p[3], s.dilation_h = p[4], s.dilation_w = p[5];
  s.pad_top = p[6], s.pad_left = p[7], s.pad_bottom = p[8], s.pad_right = p[9];
  s.output_padding_h = p[10], s.output_padding_w = p[11], s.groups = p[12];
  require(s.valid(), args, "Invalid ConvTranspose geometry.",
          "positive sizes/strides/dilations, pads and output padding >= 0, C and OC divisible by group, OH/OW >= 1",
          "x " + shape_string(x.shape) + ", OC " + std::to_string(s.out_c) + ", group " + std::to_string(s.groups));
  const std::vector<int64_t> expected{s.batch, s.out_h(), s.out_w(), s.out_c};
  require(y.shape == expected, args, "ConvTranspose output shape does not match the formula.", shape_string(expected),
          shape_string(y.shape));
  if (has_bias) {
    require(args.in(2).elements == s.out_c, args, "Bias must have one value per output channel.",
            std::to_string(s.out_c), std::to_string(args.in(2).elements));
  }
  const DeconvVariant* variant = nullptr;
  if (args.base == "f32_deconv") {
    for (size_t i = 0; i < f32_conv::deconv_variant_count() && variant == nullptr; ++i) {
      const DeconvVariant& v = f32_conv::deconv_variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(args.isa) && v.applies(s)) variant = &v;
    }
  } else {
    variant = f32_conv::find_deconv_variant((args.base + "__" + isa_name(args.isa)).c_str());
    require(variant != nullptr, args, "Unknown ConvTranspose variant.", "a tactic id listed by kernels()", args.base);
  }
  require(variant != nullptr && variant->applies(s), args, "No ConvTranspose variant applies to this geometry.",
          "a variant whose conditions hold", args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const int64_t packed = static_cast<int64_t>(variant->packed_size(s));
  require(w.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(w.elements));
  // The reference (last in the list) reads ONNX-layout weights with plain loops: any alignment,
  // so weights computed at run time can feed it directly.
  const bool reference = variant == &f32_conv::deconv_variants()[f32_conv::deconv_variant_count() - 1];
  if (!reference) require_packed_alignment(args, w);
  const auto& in = args.layer.inputs;
  return std::make_unique<F32DeconvOp>(*variant, s, fused_activation(args), in[0], in[1], has_bias ? in[2] : -1,
                                       /*residual=*/-1, args.layer.outputs[0], /*output_stride=*/0,
                                       !reference && w.location == Location::kInput, args.where);
}

}  // namespace kiln
