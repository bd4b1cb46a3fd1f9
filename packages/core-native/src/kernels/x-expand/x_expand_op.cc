// x_expand (ONNX Expand) and x_tile (ONNX Tile), any dtype: pure data movement, one scalar
// variant (memcpy runs and word fills). Shapes alone define both ops, so neither reads the shape
// / repeats tensor: the builder passes only the data.
// x_expand: inputs [x], outputs [y], no params; x broadcasts to y (numpy rules).
// x_tile:   inputs [x], outputs [y] of the same rank, no params; y[d] = x[d] * repeats[d].
#include <cstring>

#include "executor/broadcast.h"
#include "executor/factories.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 16384;

// Writes `count` copies of one `word`-byte element.
inline void fill_words(uint8_t* out, const uint8_t* word, int64_t count, int64_t size) {
  switch (size) {
    case 1: std::memset(out, *word, static_cast<size_t>(count)); return;
    case 4: {
      uint32_t v;
      std::memcpy(&v, word, 4);
      for (int64_t i = 0; i < count; ++i) std::memcpy(out + i * 4, &v, 4);
      return;
    }
    case 8: {
      uint64_t v;
      std::memcpy(&v, word, 8);
      for (int64_t i = 0; i < count; ++i) std::memcpy(out + i * 8, &v, 8);
      return;
    }
    default:
      for (int64_t i = 0; i < count; ++i) std::memcpy(out + i * size, word, static_cast<size_t>(size));
  }
}

class XExpandOp final : public Op {
 public:
  XExpandOp(int64_t word, BroadcastPlan plan, int x, int y) : word_(word), plan_(std::move(plan)), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    for_each_broadcast_block(state.pool, plan_, kBlock, [&](const int64_t* offsets, int64_t out, int64_t len) {
      if (plan_.inner_vec[0]) std::memcpy(y + out * word_, x + offsets[0] * word_, static_cast<size_t>(len * word_));
      else fill_words(y + out * word_, x + offsets[0] * word_, len, word_);
    });
  }

 private:
  int64_t word_;
  BroadcastPlan plan_;
  int x_, y_;
};

// Tile: each output row (all dims but the last) reads one input row and writes it repeats[-1]
// times; the input row of output row r follows from r's coordinates modulo the input's dims.
class XTileOp final : public Op {
 public:
  XTileOp(int64_t word, std::vector<int64_t> x_shape, std::vector<int64_t> y_shape, int x, int y)
      : word_(word), x_shape_(std::move(x_shape)), y_shape_(std::move(y_shape)), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const size_t rank = y_shape_.size();
    const int64_t in_row = x_shape_[rank - 1] * word_, out_row = y_shape_[rank - 1] * word_;
    const int64_t rows = product(y_shape_, 0, rank - 1), copies = y_shape_[rank - 1] / x_shape_[rank - 1];
    parallel_chunks(state.pool, rows, std::max<int64_t>(1, 65536 / std::max<int64_t>(out_row, 1)),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t r = begin; r < end; ++r) {
                        int64_t rest = r, source = 0, scale = 1;
                        for (size_t d = rank - 1; d-- > 0;) {
                          source += (rest % y_shape_[d]) % x_shape_[d] * scale;
                          rest /= y_shape_[d];
                          scale *= x_shape_[d];
                        }
                        const uint8_t* from = x + source * in_row;
                        uint8_t* to = y + r * out_row;
                        for (int64_t c = 0; c < copies; ++c) std::memcpy(to + c * in_row, from, static_cast<size_t>(in_row));
                      }
                    });
  }

 private:
  int64_t word_;
  std::vector<int64_t> x_shape_, y_shape_;
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
      require(y.shape[d] % x.shape[d] == 0, args, "Tile output dims must be multiples of the input's.",
              "multiples of " + shape_string(x.shape), shape_string(y.shape));
    }
    return std::make_unique<XTileOp>(word, x.shape, y.shape, args.layer.inputs[0], args.layer.outputs[0]);
  }
  BroadcastPlan plan = plan_broadcast(args, {x.shape}, y.shape, false);
  return std::make_unique<XExpandOp>(word, std::move(plan), args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
