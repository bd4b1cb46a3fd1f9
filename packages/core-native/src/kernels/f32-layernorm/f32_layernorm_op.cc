// Driver of f32_layernorm layers (ONNX LayerNormalization, inference: output Y only).
// Layer: inputs [x, scale, bias?], outputs [y], params [axis, epsilon]. Normalizes over
// dims [axis, rank); scale and bias hold exactly prod(shape[axis:]) elements.
#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-layernorm/variants.h"

namespace kiln {
namespace {

class F32LayerNormOp final : public Op {
 public:
  F32LayerNormOp(const F32LayerNormVariant& kernel, int64_t rows, int64_t n, float epsilon, int x, int scale, int bias,
                 int y)
      : kernel_(kernel), rows_(rows), n_(n), epsilon_(epsilon), x_(x), scale_(scale), bias_(bias), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    const float* scale = state.at<const float>(scale_);
    const float* bias = bias_ >= 0 ? state.at<const float>(bias_) : nullptr;
    float* y = state.at<float>(y_);
    if (n_ == 0) return;
    parallel_chunks(state.pool, rows_, std::max<int64_t>(1, 16384 / n_), [&](int64_t begin, int64_t end) {
      kernel_.fn(end - begin, n_, x + begin * n_, scale, bias, epsilon_, y + begin * n_);
    });
  }

 private:
  const F32LayerNormVariant& kernel_;
  int64_t rows_, n_;
  float epsilon_;
  int x_, scale_, bias_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_layernorm(const OpBuildArgs& args) {
  require_arity(args, 2, 3, 1);
  const size_t inputs = args.layer.inputs.size();
  for (size_t i = 0; i < inputs; ++i) require_dtype(args, args.in(i), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  require_params(args, 2, "axis, epsilon");
  const auto& shape = args.in(0).shape;
  require(shape == args.out(0).shape, args, "Output shape differs from input shape.", shape_string(shape),
          shape_string(args.out(0).shape));
  require(!shape.empty(), args, "LayerNormalization needs rank >= 1.", "rank >= 1", "a scalar");
  const int axis = normalize_axis(args, param_int(args, 0), shape.size());
  const int64_t n = product(shape, axis, shape.size());
  for (size_t i = 1; i < inputs; ++i) {
    require(args.in(i).elements == n, args, i == 1 ? "Scale size mismatch." : "Bias size mismatch.",
            std::to_string(n) + " elements (shape[axis:])", std::to_string(args.in(i).elements));
  }
  const double epsilon = args.layer.params[1];
  require(epsilon >= 0, args, "Epsilon must be non-negative.", ">= 0", std::to_string(epsilon));
  return std::make_unique<F32LayerNormOp>(pick_variant(kF32LayerNormVariants, args.isa), product(shape, 0, axis), n,
                                          static_cast<float>(epsilon), args.layer.inputs[0], args.layer.inputs[1],
                                          inputs == 3 ? args.layer.inputs[2] : -1, args.layer.outputs[0]);
}

}  // namespace kiln
