// x_gather (ONNX Gather), any data dtype, int64 or int32 indices. Layer: inputs [data, indices],
// outputs [y], params [axis]. y.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:].
// Negative indices count from the end; an index outside [-dim, dim) rejects the run with
// ERR_INDEX_OUT_OF_RANGE (checked before anything is written).
#include <cstring>

#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

class XGatherOp final : public Op {
 public:
  XGatherOp(int64_t outer, int64_t dim, int64_t count, int64_t inner_bytes, bool int64_indices, std::string where,
            int data, int indices, int y)
      : outer_(outer), dim_(dim), count_(count), inner_(inner_bytes), int64_(int64_indices), where_(std::move(where)),
        data_(data), indices_(indices), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* data = state.at<const uint8_t>(data_);
    uint8_t* y = state.at<uint8_t>(y_);
    std::vector<int64_t> index(count_);
    for (int64_t i = 0; i < count_; ++i) {
      int64_t v = int64_ ? state.at<const int64_t>(indices_)[i] : state.at<const int32_t>(indices_)[i];
      if (v < -dim_ || v >= dim_) {
        throw KilnException("ERR_INDEX_OUT_OF_RANGE", "Gather index out of range.",
                            "indices in [" + std::to_string(-dim_) + ", " + std::to_string(dim_) + ")",
                            std::to_string(v) + " at flat position " + std::to_string(i), where_,
                            "Check the indices input; negative values count from the end of the axis.");
      }
      index[i] = v < 0 ? v + dim_ : v;
    }
    parallel_chunks(state.pool, outer_ * count_, std::max<int64_t>(1, 65536 / std::max<int64_t>(inner_, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t item = b; item < e; ++item) {
                        const int64_t o = item / count_, i = item % count_;
                        std::memcpy(y + item * inner_, data + (o * dim_ + index[i]) * inner_, inner_);
                      }
                    });
  }

 private:
  int64_t outer_, dim_, count_, inner_;
  bool int64_;
  std::string where_;
  int data_, indices_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_gather(const OpBuildArgs& args) {
  require_arity(args, 2, 2, 1);
  require_params(args, 1, "axis");
  const TensorDesc &data = args.in(0), &indices = args.in(1), &y = args.out(0);
  require(indices.dtype == DType::kInt64 || indices.dtype == DType::kInt32, args, "Gather indices must be integers.",
          "int64 or int32", dtype_name(indices.dtype));
  require(y.dtype == data.dtype, args, "Gather output dtype differs from data.", dtype_name(data.dtype),
          dtype_name(y.dtype));
  require(!data.shape.empty(), args, "Gather data must have rank >= 1.", "rank >= 1", "a scalar");
  const int axis = normalize_axis(args, param_int(args, 0), data.shape.size());
  std::vector<int64_t> expected(data.shape.begin(), data.shape.begin() + axis);
  expected.insert(expected.end(), indices.shape.begin(), indices.shape.end());
  expected.insert(expected.end(), data.shape.begin() + axis + 1, data.shape.end());
  require(y.shape == expected, args, "Gather output shape mismatch.", shape_string(expected), shape_string(y.shape));
  const int64_t inner = product(data.shape, axis + 1, data.shape.size()) * static_cast<int64_t>(dtype_size(data.dtype));
  return std::make_unique<XGatherOp>(product(data.shape, 0, axis), data.shape[axis], indices.elements, inner,
                                     indices.dtype == DType::kInt64, args.where, args.layer.inputs[0],
                                     args.layer.inputs[1], args.layer.outputs[0]);
}

}  // namespace kiln
