// Driver of bf16_mbconv layers (a fused inverted-residual block over NHWC in a bf16 engine). Layer:
// the contract of executor/mbconv_layer.h, with x, y and the residual each float32 or bfloat16
// (bf16 activations between bf16 layers); w: the packed bytes (bf16 expand | fp32 depthwise | bf16
// project, packWeights('bf16_mbconv...')). Kernel ids: an exact variant (bf16_mbconv_32x32__amx,
// ...) or the alias bf16_mbconv (the first variant at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "executor/mbconv_layer.h"
#include "kernels/bf16-mbconv/mbconv.h"

namespace kiln {
namespace {

using bf16_mbconv::MbconvShape;
using bf16_mbconv::MbconvVariant;

class Bf16MbconvOp final : public Op {
 public:
  Bf16MbconvOp(const MbconvVariant& variant, MbconvShape shape, bf16_mbconv::MbconvParams params, std::vector<int> inputs,
               int y, bool check_alignment, std::string where)
      : variant_(variant), shape_(shape), params_(params), inputs_(std::move(inputs)), y_(y),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    bf16_mbconv::MbconvParams p = params_;
    p.input.data = state.at<const void>(inputs_[0]);
    p.packed_weights = state.at<const void>(inputs_[1]);
    if (check_alignment_) check_packed_pointer(p.packed_weights, where_);
    p.output = state.at<void>(y_);
    if (inputs_[2] >= 0) p.expand_epilogue.bias = state.at<const float>(inputs_[2]);
    if (inputs_[3] >= 0) p.depthwise_epilogue.bias = state.at<const float>(inputs_[3]);
    if (inputs_[4] >= 0) p.project_epilogue.bias = state.at<const float>(inputs_[4]);
    if (inputs_[5] >= 0) p.residual.data = state.at<const void>(inputs_[5]);
    bf16_mbconv::run(variant_, shape_, p, state.pool);
  }

 private:
  const MbconvVariant& variant_;
  MbconvShape shape_;
  bf16_mbconv::MbconvParams params_;
  std::vector<int> inputs_;  // x, w, expand bias, depthwise bias, project bias, residual (-1: absent)
  int y_;
  bool check_alignment_;
  std::string where_;
};

}  // namespace

std::unique_ptr<Op> make_bf16_mbconv(const OpBuildArgs& args) {
  const MbconvLayer layer = check_mbconv_layer(args, true);
  const MbconvShape& s = layer.shape;
  const MbconvVariant* variant = nullptr;
  if (args.base == "bf16_mbconv") {
    for (size_t i = 0; i < bf16_mbconv::variant_count() && variant == nullptr; ++i) {
      if (bf16_mbconv::applies(bf16_mbconv::variants()[i], args.isa, s)) variant = &bf16_mbconv::variants()[i];
    }
  } else {
    variant = bf16_mbconv::find_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown bf16 inverted-residual variant.", "a tactic id listed by kernels()",
          args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const TensorDesc& w = args.in(1);
  const int64_t bytes = static_cast<int64_t>(bf16_mbconv::packed_parts(*variant, s).total());
  require(w.bytes == bytes, args, "Packed weight size does not match the variant.",
          std::to_string(bytes / 4) + " floats (packWeights('" + std::string(variant->name) +
              "', ...): the expand, depthwise and project convs back to back)",
          std::to_string(w.bytes / 4));
  require_packed_alignment(args, w);
  bf16_mbconv::MbconvParams params;
  params.input.bf16 = layer.input_bf16;
  params.output_bf16 = layer.output_bf16;
  params.residual.bf16 = layer.residual_bf16;
  params.band_rows = layer.band_rows;
  params.expand_epilogue = layer.expand;
  params.depthwise_epilogue = layer.depthwise;
  params.project_epilogue = layer.project;
  return std::make_unique<Bf16MbconvOp>(*variant, s, params, layer.slots, args.layer.outputs[0],
                                        w.location == Location::kInput, args.where);
}

}  // namespace kiln
