// x_expand (ONNX Expand) and x_tile (ONNX Tile), any dtype: pure data movement on the move.h
// microkernels (copies of runs, vector fills of a broadcast word, a row repeated by copy_rows with
// source stride 0). Shapes alone define both ops, so neither reads the shape
// / repeats tensor: the builder passes only the data.
// x_expand: inputs [x], outputs [y], no params; x broadcasts to y (numpy rules).
// x_tile:   inputs [x], outputs [y] of the same rank, no params; y[d] = x[d] * repeats[d].
#include <cstring>

#include "executor/broadcast.h"
#include "configs/pick.h"
#include "executor/factories.h"
#include "kernels/x-copy/move.h"
#include "kernels/x-copy/rows.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 16384;

class XExpandOp final : public Op {
 public:
  XExpandOp(const XMoveVariant& move, int64_t word, BroadcastPlan plan, int x, int y)
      : move_(move), word_(word), plan_(std::move(plan)), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const bool vec = plan_.inner_vec[0];
    for_each_broadcast_block(state.pool, plan_, kBlock, [&](const int64_t* offsets, int64_t out, int64_t len) {
      if (vec) move_.copy_rows(y + out * word_, 0, x + offsets[0] * word_, 0, 1, len * word_);
      else move_.fill(y + out * word_, x + offsets[0] * word_, word_, len);
    });
  }

 private:
  const XMoveVariant& move_;
  int64_t word_;
  BroadcastPlan plan_;
  int x_, y_;
};

// Tile: each output row (all dims but the last) reads one input row (a RowMap whose tables take
// each coordinate modulo the input's dim) and writes it repeats[-1] times.
class XTileOp final : public Op {
 public:
  XTileOp(const XMoveVariant& move, int64_t word, const std::vector<int64_t>& x_shape,
          const std::vector<int64_t>& y_shape, int x, int y)
      : move_(move), word_(word), rows_(make_rows(x_shape, y_shape)), x_(x), y_(y) {
    in_row_ = x_shape.back() * word_;
    out_row_ = y_shape.back() * word_;
    copies_ = x_shape.back() == 0 ? 0 : y_shape.back() / x_shape.back();
  }

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    parallel_chunks(state.pool, rows_.rows(), std::max<int64_t>(1, kPieceBytes / std::max<int64_t>(out_row_, 1)),
                    [&](int64_t begin, int64_t end) {
                      rows_.walk(begin, end, [&](int64_t r, int64_t source) {
                        move_.copy_rows(y + r * out_row_, in_row_, x + source * in_row_, 0, copies_, in_row_);
                      });
                    });
  }

 private:
  static RowMap make_rows(const std::vector<int64_t>& x_shape, const std::vector<int64_t>& y_shape) {
    const size_t rows_rank = y_shape.size() - 1;
    std::vector<std::vector<int64_t>> tables(rows_rank);
    std::vector<int64_t> strides(rows_rank);
    int64_t stride = 1;
    for (size_t d = rows_rank; d-- > 0;) {
      strides[d] = stride;
      stride *= x_shape[d];
      if (x_shape[d] == y_shape[d]) continue;  // identity
      tables[d].resize(static_cast<size_t>(y_shape[d]));
      for (int64_t o = 0; o < y_shape[d]; ++o) tables[d][o] = o % x_shape[d];
    }
    return RowMap(std::vector<int64_t>(y_shape.begin(), y_shape.end() - 1), std::move(tables), std::move(strides));
  }

  const XMoveVariant& move_;
  int64_t word_;
  RowMap rows_;
  int64_t in_row_ = 0, out_row_ = 0, copies_ = 0;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_expand(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_params(args, 0, "none");
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require(x.dtype == y.dtype, args, "Output dtype differs from the input's.", dtype_name(x.dtype), dtype_name(y.dtype));
  const int64_t word = static_cast<int64_t>(dtype_size(x.dtype));
  if (args.base == "x_tile") {
    require(!x.shape.empty() && x.shape.size() == y.shape.size(), args, "Tile keeps the rank (>= 1).",
            "rank " + std::to_string(x.shape.size()) + " >= 1", shape_string(y.shape));
    for (size_t d = 0; d < x.shape.size(); ++d) {
      require(x.shape[d] == 0 ? y.shape[d] == 0 : y.shape[d] % x.shape[d] == 0, args, "Tile output dims must be multiples of the input's.",
              "multiples of " + shape_string(x.shape), shape_string(y.shape));
    }
    return std::make_unique<XTileOp>(pick_variant(kXMoveVariants, args.isa), word, x.shape, y.shape, args.layer.inputs[0], args.layer.outputs[0]);
  }
  BroadcastPlan plan = plan_broadcast(args, {x.shape}, y.shape, false);
  return std::make_unique<XExpandOp>(pick_variant(kXMoveVariants, args.isa), word, std::move(plan), args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
