// Driver of f32_softmax / f32_logsoftmax layers. Layer: inputs [x] or [x, bias], outputs [y] (x's
// shape), params [axis] or [axis, nan_to_zero] (ONNX-13 semantics: normalize along one axis;
// negative counts from the end).
//   bias:        added to x before normalizing (Softmax(x + bias)); it broadcasts to x as numpy
//                does (unidirectionally), and needs the last axis as the softmax axis.
//   nan_to_zero: f32_softmax only; outputs that would be NaN are 0 (ONNX's Where(IsNaN(y), 0, y)).
#include <cmath>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-softmax/variants.h"

namespace kiln {
namespace {

// Where each row of x finds its bias: x's dims before the softmax axis, the bias's element
// strides along them (0 where it broadcasts), and its stride along the row (1, or 0 for a bias
// of extent 1 there).
struct BiasRows {
  std::vector<int64_t> dims, strides;
  int64_t along = 0;
  int64_t offset(int64_t row) const {
    int64_t at = 0;
    for (size_t i = dims.size(); i-- > 0;) {
      at += (row % dims[i]) * strides[i];
      row /= dims[i];
    }
    return at;
  }
};

class F32SoftmaxOp final : public Op {
 public:
  F32SoftmaxOp(const F32SoftmaxVariant& kernel, bool log, bool nan_to_zero, int64_t outer, int64_t n, int64_t inner,
               int x, int bias, BiasRows bias_rows, int y)
      : kernel_(kernel), log_(log), nan_to_zero_(nan_to_zero), outer_(outer), n_(n), inner_(inner), x_(x), bias_(bias),
        bias_rows_(std::move(bias_rows)), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    if (n_ == 0) return;
    if (inner_ == 1 && (bias_ >= 0 || nan_to_zero_)) {
      const float* bias = bias_ >= 0 ? state.at<const float>(bias_) : nullptr;
      const size_t along = static_cast<size_t>(bias_rows_.along);
      parallel_chunks(state.pool, outer_, std::max<int64_t>(1, 16384 / n_), [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const float* b = bias ? bias + bias_rows_.offset(r) : nullptr;
          kernel_.row(n_, x + r * n_, b, along, y + r * n_, log_, nan_to_zero_);
        }
      });
    } else if (inner_ == 1) {
      parallel_chunks(state.pool, outer_, std::max<int64_t>(1, 16384 / n_), [&](int64_t begin, int64_t end) {
        kernel_.rows(end - begin, n_, x + begin * n_, y + begin * n_, log_);
      });
    } else {
      parallel_chunks(state.pool, outer_, std::max<int64_t>(1, 16384 / (n_ * inner_)), [&](int64_t begin, int64_t end) {
        for (int64_t o = begin; o < end; ++o) {
          float* slice = y + o * n_ * inner_;
          kernel_.strided(n_, inner_, x + o * n_ * inner_, slice, log_);
          if (nan_to_zero_) {
            for (int64_t k = 0; k < n_ * inner_; ++k) slice[k] = std::isnan(slice[k]) ? 0.0f : slice[k];
          }
        }
      });
    }
  }

 private:
  const F32SoftmaxVariant& kernel_;
  bool log_, nan_to_zero_;
  int64_t outer_, n_, inner_;
  int x_, bias_;
  BiasRows bias_rows_;
  int y_;
};

// The bias's addressing for rows of x (shape `x`, softmax along its last axis).
BiasRows plan_bias_rows(const OpBuildArgs& args, const std::vector<int64_t>& bias, const std::vector<int64_t>& x) {
  require(bias.size() <= x.size(), args, "Softmax bias has a higher rank than its input.", "rank <= " + std::to_string(x.size()),
          shape_string(bias));
  BiasRows rows;
  const size_t rank = x.size(), pad = rank - bias.size();
  int64_t stride = 1;
  std::vector<int64_t> strides(rank, 0);
  for (size_t i = rank; i-- > 0;) {
    const int64_t d = i >= pad ? bias[i - pad] : 1;
    require(d == x[i] || d == 1, args, "Softmax bias does not broadcast to the input.",
            "numpy broadcasting onto " + shape_string(x), shape_string(bias));
    strides[i] = d == 1 ? 0 : stride;
    stride *= d;
  }
  rows.dims.assign(x.begin(), x.end() - 1);
  rows.strides.assign(strides.begin(), strides.end() - 1);
  rows.along = strides[rank - 1];
  return rows;
}

}  // namespace

std::unique_ptr<Op> make_f32_softmax(const OpBuildArgs& args) {
  require_arity(args, 1, 2, 1);
  require_dtype(args, args.in(0), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  const bool log = args.base == "f32_logsoftmax";
  require(args.layer.params.size() == 1 || args.layer.params.size() == 2, args, "Wrong number of params.",
          "1 or 2 (axis[, nan_to_zero])", std::to_string(args.layer.params.size()));
  const int64_t nan_to_zero = args.layer.params.size() == 2 ? param_int(args, 1) : 0;
  require(nan_to_zero == 0 || nan_to_zero == 1, args, "nan_to_zero must be 0 or 1.", "0 or 1", std::to_string(nan_to_zero));
  require(!(log && nan_to_zero == 1), args, "nan_to_zero is for f32_softmax only.", "nan_to_zero 0 for f32_logsoftmax", "1");
  const auto& shape = args.in(0).shape;
  require(shape == args.out(0).shape, args, "Output shape differs from input shape.", shape_string(shape),
          shape_string(args.out(0).shape));
  require(!shape.empty(), args, "Softmax needs rank >= 1.", "rank >= 1", "a scalar");
  const int axis = normalize_axis(args, param_int(args, 0), shape.size());
  int bias = -1;
  BiasRows bias_rows;
  if (args.layer.inputs.size() == 2) {
    require_dtype(args, args.in(1), DType::kFloat32, "bias");
    require(axis == static_cast<int>(shape.size()) - 1, args, "A softmax bias needs the last axis as the softmax axis.",
            "axis " + std::to_string(shape.size() - 1), "axis " + std::to_string(axis));
    bias_rows = plan_bias_rows(args, args.in(1).shape, shape);
    bias = args.layer.inputs[1];
  }
  return std::make_unique<F32SoftmaxOp>(pick_variant(kF32SoftmaxVariants, args.isa), log, nan_to_zero == 1,
                                        product(shape, 0, axis), shape[axis], product(shape, axis + 1, shape.size()),
                                        args.layer.inputs[0], bias, std::move(bias_rows), args.layer.outputs[0]);
}

}  // namespace kiln
