// x_gather (ONNX Gather), any data dtype, int64 or int32 indices. Layer: inputs [data, indices],
// outputs [y], params [axis]. y.shape = data.shape[:axis] + indices.shape + data.shape[axis+1:].
// Negative indices count from the end; an index outside [-dim, dim) rejects the run with
// ERR_INDEX_OUT_OF_RANGE (checked before anything is written).
// Each outer index copies `count` rows of data.shape[axis+1:]: whole rows through gather_rows, or,
// when a row is one element (a gather along the last axis), a word gather with vector gather
// instructions on 4- and 8-byte dtypes (move.h).
#include <cstring>

#include "executor/factories.h"
#include "configs/pick.h"
#include "executor/kernel_util.h"
#include "kernels/x-copy/move.h"
#include "kernels/x-copy/rows.h"

namespace kiln {
namespace {

class XGatherOp final : public Op {
 public:
  XGatherOp(const XMoveVariant& move, int64_t word, int64_t outer, int64_t dim, int64_t count, int64_t inner_bytes,
            bool int64_indices, std::string where, int data, int indices, int y)
      : move_(move), word_(word), outer_(outer), dim_(dim), count_(count), inner_(inner_bytes), int64_(int64_indices), where_(std::move(where)),
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
    // One element per row, and offsets that fit the 32-bit gather lanes: a word gather.
    const bool words = inner_ == word_ && dim_ < (int64_t{1} << 31);
    std::vector<int32_t> index32(words ? static_cast<size_t>(count_) : 0);
    for (size_t i = 0; i < index32.size(); ++i) index32[i] = static_cast<int32_t>(index[i]);
    parallel_chunks(state.pool, outer_ * count_, std::max<int64_t>(1, kPieceBytes / std::max<int64_t>(inner_, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t item = b; item < e;) {
                        const int64_t o = item / count_, i = item % count_, n = std::min(count_ - i, e - item);
                        const uint8_t* from = data + o * dim_ * inner_;
                        if (words) move_.gather(y + item * inner_, from, index32.data() + i, n, word_);
                        else move_.gather_rows(y + item * inner_, from, index.data() + i, n, inner_);
                        item += n;
                      }
                    });
  }

 private:
  const XMoveVariant& move_;
  int64_t word_, outer_, dim_, count_, inner_;
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
  return std::make_unique<XGatherOp>(pick_variant(kXMoveVariants, args.isa), static_cast<int64_t>(dtype_size(data.dtype)),
                                     product(data.shape, 0, axis), data.shape[axis], indices.elements, inner,
                                     indices.dtype == DType::kInt64, args.where, args.layer.inputs[0],
                                     args.layer.inputs[1], args.layer.outputs[0]);
}

}  // namespace kiln
