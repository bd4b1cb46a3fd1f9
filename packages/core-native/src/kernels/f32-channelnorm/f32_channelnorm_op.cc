// Drivers of f32_batchnorm (ONNX BatchNormalization, inference: running statistics) and
// f32_instancenorm (ONNX InstanceNormalization) over x [N, C, spatial...] (rank >= 2).
// f32_batchnorm:    inputs [x, scale [C], bias [C], mean [C], var [C]], outputs [y], params [epsilon]
//                   y = (x - mean) / sqrt(var + epsilon) * scale + bias, per channel.
// f32_instancenorm: inputs [x, scale [C], bias [C]], outputs [y], params [epsilon]; mean and
//                   variance per (n, c) plane.
// Per-channel vectors are read at run time (they may be inputs, not only weights).
#include <cmath>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-channelnorm/variants.h"

namespace kiln {
namespace {

class F32ChannelNormOp final : public Op {
 public:
  F32ChannelNormOp(bool instance, const F32ChannelNormVariant& kernel, int64_t batch, int64_t channels,
                   int64_t plane, float epsilon, std::vector<int> inputs, int y)
      : instance_(instance), kernel_(kernel), batch_(batch), channels_(channels), plane_(plane), epsilon_(epsilon),
        inputs_(std::move(inputs)), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(inputs_[0]);
    const float* scale = state.at<const float>(inputs_[1]);
    const float* bias = state.at<const float>(inputs_[2]);
    float* y = state.at<float>(y_);
    const size_t plane = static_cast<size_t>(plane_);
    parallel_chunks(state.pool, batch_ * channels_, std::max<int64_t>(1, 16384 / plane_), [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) {
        const int64_t c = p % channels_;
        float mean, variance;
        if (instance_) {
          kernel_.moments(plane, x + p * plane_, &mean, &variance);
        } else {
          mean = state.at<const float>(inputs_[3])[c];
          variance = state.at<const float>(inputs_[4])[c];
        }
        const float a = scale[c] / std::sqrt(variance + epsilon_);
        kernel_.scale_shift(plane, x + p * plane_, mean, a, bias[c], y + p * plane_);
      }
    });
  }

 private:
  bool instance_;
  const F32ChannelNormVariant& kernel_;
  int64_t batch_, channels_, plane_;
  float epsilon_;
  std::vector<int> inputs_;
  int y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_channelnorm(const OpBuildArgs& args) {
  const bool instance = args.base == "f32_instancenorm";
  const size_t inputs = instance ? 3 : 5;
  require_arity(args, inputs, inputs, 1);
  require_params(args, 1, "epsilon");
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "input");
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require_dtype(args, y, DType::kFloat32, "output");
  require(x.shape.size() >= 2, args, "Normalization input must be [N, C, ...].", "rank >= 2", shape_string(x.shape));
  require(y.shape == x.shape, args, "Output shape differs from the input's.", shape_string(x.shape), shape_string(y.shape));
  const int64_t channels = x.shape[1];
  for (size_t i = 1; i < inputs; ++i) {
    require(args.in(i).elements == channels, args, "Per-channel inputs must hold one value per channel.",
            std::to_string(channels) + " elements", shape_string(args.in(i).shape));
  }
  const double epsilon = args.layer.params[0];
  require(std::isfinite(epsilon) && epsilon >= 0, args, "epsilon must be finite and >= 0.", ">= 0",
          std::to_string(epsilon));
  return std::make_unique<F32ChannelNormOp>(instance, pick_variant(kF32ChannelNormVariants, args.isa), x.shape[0],
                                            channels, product(x.shape, 2, x.shape.size()), static_cast<float>(epsilon),
                                            args.layer.inputs, args.layer.outputs[0]);
}

}  // namespace kiln
