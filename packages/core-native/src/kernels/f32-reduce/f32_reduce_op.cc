// Driver of f32_reduce_{sum,mean,max} layers. Layer: inputs [x], outputs [y], params = axes
// (empty = all axes; negative allowed). keepdims is the output shape's business: y must hold
// prod(kept dims) elements. Reduced/kept dims are collapsed; [kept, reduced, kept] patterns use
// the vector microkernels, anything else (e.g. axes {0, 2} of a rank-3 tensor) a generic loop.
#include <limits>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-reduce/variants.h"

namespace kiln {
namespace {

class F32ReduceOp final : public Op {
 public:
  F32ReduceOp(const F32ReduceVariant& kernel, ReduceOp op, std::vector<int64_t> dims, std::vector<bool> reduced,
              int x, int y)
      : kernel_(kernel), op_(op), dims_(std::move(dims)), reduced_(std::move(reduced)), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    const size_t n = dims_.size();
    if (n == 0) return kernel_.rows(op_, 1, 1, x, y);
    if (n == 1) return reduced_[0] ? kernel_.rows(op_, 1, dims_[0], x, y) : kernel_.rows(op_, dims_[0], 1, x, y);
    if (n == 2 && !reduced_[0]) {
      const int64_t rows = dims_[0], len = dims_[1];
      return parallel_chunks(state.pool, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(len, 1)),
                             [&](int64_t b, int64_t e) { kernel_.rows(op_, e - b, len, x + b * len, y + b); });
    }
    if ((n == 2 && reduced_[0]) || (n == 3 && !reduced_[0])) {
      const int64_t outer = n == 3 ? dims_[0] : 1, r = dims_[n - 2], inner = dims_[n - 1];
      return parallel_chunks(state.pool, outer, 1, [&](int64_t b, int64_t e) {
        for (int64_t o = b; o < e; ++o) kernel_.cols(op_, r, inner, x + o * r * inner, y + o * inner);
      });
    }
    generic(x, y);
  }

 private:
  void generic(const float* x, float* y) const {
    const size_t n = dims_.size();
    std::vector<int64_t> out_stride(n, 0);
    int64_t out_elements = 1, count = 1;
    for (size_t d = n; d-- > 0;) {
      if (reduced_[d]) count *= dims_[d];
      else {
        out_stride[d] = out_elements;
        out_elements *= dims_[d];
      }
    }
    const bool max = op_ == ReduceOp::kMax;
    for (int64_t i = 0; i < out_elements; ++i) y[i] = max ? -std::numeric_limits<float>::infinity() : 0.0f;
    std::vector<int64_t> index(n, 0);
    const int64_t total = out_elements * count;
    int64_t out = 0;
    for (int64_t i = 0; i < total; ++i) {
      y[out] = max ? std::max(y[out], x[i]) : y[out] + x[i];
      for (size_t d = n; d-- > 0;) {
        out += out_stride[d];
        if (++index[d] < dims_[d]) break;
        out -= out_stride[d] * dims_[d];
        index[d] = 0;
      }
    }
    if (op_ == ReduceOp::kMean) {
      for (int64_t i = 0; i < out_elements; ++i) y[i] /= static_cast<float>(count);
    }
  }

  const F32ReduceVariant& kernel_;
  ReduceOp op_;
  std::vector<int64_t> dims_;
  std::vector<bool> reduced_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_reduce(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  const auto& shape = args.in(0).shape;
  std::vector<bool> is_reduced(shape.size(), args.layer.params.empty());
  for (size_t i = 0; i < args.layer.params.size(); ++i) {
    is_reduced[normalize_axis(args, param_int(args, i), shape.size())] = true;
  }
  std::vector<int64_t> dims;
  std::vector<bool> reduced;
  int64_t kept = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (!is_reduced[d]) kept *= shape[d];
    if (shape[d] == 1) continue;
    if (!dims.empty() && reduced.back() == is_reduced[d]) dims.back() *= shape[d];
    else {
      dims.push_back(shape[d]);
      reduced.push_back(is_reduced[d]);
    }
  }
  require(args.out(0).elements == kept, args, "Output size does not match the kept dims.",
          std::to_string(kept) + " elements", std::to_string(args.out(0).elements));
  const ReduceOp op = args.base == "f32_reduce_sum" ? ReduceOp::kSum
                      : args.base == "f32_reduce_mean" ? ReduceOp::kMean
                                                       : ReduceOp::kMax;
  return std::make_unique<F32ReduceOp>(pick_variant(kF32ReduceVariants, args.isa), op, std::move(dims),
                                       std::move(reduced), args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
