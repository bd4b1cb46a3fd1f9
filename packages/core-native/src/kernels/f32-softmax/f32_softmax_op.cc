// Driver of f32_softmax / f32_logsoftmax layers. Layer: inputs [x], outputs [y] (same shape),
// params [axis] (ONNX-13 semantics: normalize along one axis; negative counts from the end).
#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-softmax/variants.h"

namespace kiln {
namespace {

class F32SoftmaxOp final : public Op {
 public:
  F32SoftmaxOp(const F32SoftmaxVariant& kernel, bool log, int64_t outer, int64_t n, int64_t inner, int x, int y)
      : kernel_(kernel), log_(log), outer_(outer), n_(n), inner_(inner), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    if (n_ == 0) return;
    if (inner_ == 1) {
      parallel_chunks(state.pool, outer_, std::max<int64_t>(1, 16384 / n_), [&](int64_t begin, int64_t end) {
        kernel_.rows(end - begin, n_, x + begin * n_, y + begin * n_, log_);
      });
    } else {
      parallel_chunks(state.pool, outer_, std::max<int64_t>(1, 16384 / (n_ * inner_)), [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) kernel_.strided(n_, inner_, x + o * n_ * inner_, y + o * n_ * inner_, log_);
      });
    }
  }

 private:
  const F32SoftmaxVariant& kernel_;
  bool log_;
  int64_t outer_, n_, inner_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_softmax(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  require_params(args, 1, "axis");
  const auto& shape = args.in(0).shape;
  require(shape == args.out(0).shape, args, "Output shape differs from input shape.", shape_string(shape),
          shape_string(args.out(0).shape));
  require(!shape.empty(), args, "Softmax needs rank >= 1.", "rank >= 1", "a scalar");
  const int axis = normalize_axis(args, param_int(args, 0), shape.size());
  return std::make_unique<F32SoftmaxOp>(pick_variant(kF32SoftmaxVariants, args.isa), args.base == "f32_logsoftmax",
                                        product(shape, 0, axis), shape[axis], product(shape, axis + 1, shape.size()),
                                        args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
