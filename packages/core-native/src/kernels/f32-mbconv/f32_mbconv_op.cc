// Driver of f32_mbconv layers (a fused inverted-residual block over NHWC). Layer: the contract of
// executor/mbconv_layer.h, every tensor float32 (w: the packed floats). Kernel ids: an exact
// variant (f32_mbconv_14x32__avx512, ...) or the alias f32_mbconv (the first variant at or below
// the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "executor/mbconv_layer.h"
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

}  // namespace

std::unique_ptr<Op> make_f32_mbconv(const OpBuildArgs& args) {
  const MbconvLayer layer = check_mbconv_layer(args, false);
  const MbconvShape& s = layer.shape;
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
  params.band_rows = layer.band_rows;
  params.expand_epilogue = layer.expand;
  params.depthwise_epilogue = layer.depthwise;
  params.project_epilogue = layer.project;
  return std::make_unique<F32MbconvOp>(*variant, s, params, layer.slots, args.layer.outputs[0],
                                       w.location == Location::kInput, args.where);
}

}  // namespace kiln
