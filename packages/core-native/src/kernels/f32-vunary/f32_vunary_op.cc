// Driver of f32_vunary layers: a chain of unary ops (the epilogue list, at least one step) over
// one tensor, block by block so the chain runs on cache-resident data.
// Layer: inputs [x], outputs [y] (same element count), epilogue = the chain.
#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-vunary/variants.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 4096;

class F32VUnaryOp final : public Op {
 public:
  F32VUnaryOp(const F32VUnaryVariant& kernel, std::vector<UnaryStep> steps, int64_t n, int x, int y)
      : kernel_(kernel), steps_(std::move(steps)), n_(n), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    parallel_chunks(state.pool, (n_ + kBlock - 1) / kBlock, 4, [&](int64_t begin, int64_t end) {
      for (int64_t block = begin; block < end; ++block) {
        const int64_t start = block * kBlock, len = std::min(kBlock, n_ - start);
        kernel_.fn(steps_[0], len, x + start, y + start);
        for (size_t s = 1; s < steps_.size(); ++s) kernel_.fn(steps_[s], len, y + start, y + start);
      }
    });
  }

 private:
  const F32VUnaryVariant& kernel_;
  std::vector<UnaryStep> steps_;
  int64_t n_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_vunary(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  require(!args.layer.epilogue.empty(), args, "f32_vunary needs at least one epilogue step.", ">= 1 step", "0");
  require(args.in(0).elements == args.out(0).elements, args, "Input and output sizes differ.",
          std::to_string(args.in(0).elements) + " elements", std::to_string(args.out(0).elements));
  return std::make_unique<F32VUnaryOp>(pick_variant(kF32VUnaryVariants, args.isa), args.layer.epilogue,
                                       args.in(0).elements, args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
