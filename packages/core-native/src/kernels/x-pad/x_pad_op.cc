// x_pad (ONNX Pad), any dtype, modes constant / reflect / edge / wrap; negative pads crop.
// Layer: inputs [x], outputs [y], params [mode (0 constant, 1 reflect, 2 edge, 3 wrap), value,
// begin_0..begin_{r-1}, end_0..end_{r-1}] with y[d] = x[d] + begin[d] + end[d].
// Output coordinate o reads input coordinate o - begin[d], mapped back inside [0, x[d]) by the
// mode (reflect: mirror without repeating the edge, period 2(x[d] - 1); edge: clamp; wrap:
// modulo) or, in constant mode, replaced by `value` when outside. One scalar variant: each output
// row is a constant fill, a memcpy of the in-range middle, and mapped words at the borders.
#include <cmath>
#include <cstring>

#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

enum class PadMode : int { kConstant = 0, kReflect = 1, kEdge = 2, kWrap = 3 };

// Input coordinate for output coordinate o along a dim of length n, or -1 (constant padding).
int64_t source_index(PadMode mode, int64_t o, int64_t begin, int64_t n) {
  int64_t i = o - begin;
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return i < 0 ? 0 : n - 1;
    case PadMode::kWrap: return ((i % n) + n) % n;
    case PadMode::kReflect: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      i = ((i % period) + period) % period;
      return i < n ? i : period - i;
    }
  }
  return -1;
}

class XPadOp final : public Op {
 public:
  XPadOp(PadMode mode, std::vector<uint8_t> value, std::vector<int64_t> x_shape, std::vector<int64_t> y_shape,
         std::vector<int64_t> begins, int x, int y)
      : mode_(mode), value_(std::move(value)), x_shape_(std::move(x_shape)), y_shape_(std::move(y_shape)),
        begins_(std::move(begins)), x_(x), y_(y) {
    const size_t last = y_shape_.size() - 1;
    inner_.resize(y_shape_[last]);
    for (int64_t o = 0; o < y_shape_[last]; ++o) inner_[o] = source_index(mode_, o, begins_[last], x_shape_[last]);
  }

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const size_t rank = y_shape_.size(), word = value_.size();
    const int64_t out_row = y_shape_[rank - 1], in_row = x_shape_[rank - 1];
    const int64_t rows = product(y_shape_, 0, rank - 1);
    parallel_chunks(state.pool, rows, std::max<int64_t>(1, 16384 / out_row), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        uint8_t* to = y + r * out_row * static_cast<int64_t>(word);
        int64_t rest = r, source = 0, scale = 1;
        for (size_t d = rank - 1; d-- > 0 && source >= 0;) {
          const int64_t i = source_index(mode_, rest % y_shape_[d], begins_[d], x_shape_[d]);
          rest /= y_shape_[d];
          source = i < 0 ? -1 : source + i * scale;
          scale *= x_shape_[d];
        }
        if (source < 0) {
          for (int64_t o = 0; o < out_row; ++o) std::memcpy(to + o * word, value_.data(), word);
          continue;
        }
        const uint8_t* from = x + source * in_row * static_cast<int64_t>(word);
        for (int64_t o = 0; o < out_row; ++o) {
          const int64_t i = inner_[o];
          std::memcpy(to + o * word, i < 0 ? value_.data() : from + i * static_cast<int64_t>(word), word);
        }
      }
    });
  }

 private:
  PadMode mode_;
  std::vector<uint8_t> value_;  // the constant as one element of the tensor's dtype
  std::vector<int64_t> x_shape_, y_shape_, begins_;
  std::vector<int64_t> inner_;  // source index per output column of the last dim (-1: constant)
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_pad(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  const size_t rank = x.shape.size();
  require(rank >= 1, args, "Pad needs rank >= 1.", "rank >= 1", "a scalar");
  require_params(args, 2 + 2 * rank, "mode, value, begins[rank], ends[rank]");
  require(x.dtype == y.dtype && y.shape.size() == rank, args, "Pad keeps dtype and rank.",
          std::string(dtype_name(x.dtype)) + " rank " + std::to_string(rank),
          std::string(dtype_name(y.dtype)) + " rank " + std::to_string(y.shape.size()));
  const int64_t mode = param_int(args, 0);
  require(mode >= 0 && mode <= 3, args, "Unknown pad mode.", "0 constant, 1 reflect, 2 edge, 3 wrap", std::to_string(mode));
  std::vector<int64_t> begins(rank);
  for (size_t d = 0; d < rank; ++d) {
    begins[d] = param_int(args, 2 + d);
    const int64_t ends = param_int(args, 2 + rank + d);
    require(x.shape[d] + begins[d] + ends == y.shape[d], args, "Output dims must be input + begin + end pads.",
            std::to_string(x.shape[d] + begins[d] + ends) + " at dim " + std::to_string(d), shape_string(y.shape));
    require(mode == 0 || (begins[d] >= -x.shape[d] && ends >= -x.shape[d]), args,
            "Reflect, edge and wrap cannot crop the whole dim.", "pads >= -dim", std::to_string(begins[d]));
  }
  const double v = args.layer.params[1];
  std::vector<uint8_t> value(dtype_size(x.dtype));
  switch (x.dtype) {
    case DType::kFloat32: {
      const float f = static_cast<float>(v);
      std::memcpy(value.data(), &f, 4);
      break;
    }
    case DType::kInt32: {
      require(std::isfinite(v) && std::fabs(v) < 2147483648.0, args, "Pad value out of int32 range.", "int32", std::to_string(v));
      const int32_t i = static_cast<int32_t>(v);
      std::memcpy(value.data(), &i, 4);
      break;
    }
    case DType::kInt64: {
      require(std::isfinite(v) && std::fabs(v) < 9.2e18, args, "Pad value out of int64 range.", "int64", std::to_string(v));
      const int64_t i = static_cast<int64_t>(v);
      std::memcpy(value.data(), &i, 8);
      break;
    }
    case DType::kBool: value[0] = v != 0; break;
    case DType::kUint8: value[0] = static_cast<uint8_t>(v); break;
  }
  return std::make_unique<XPadOp>(static_cast<PadMode>(mode), std::move(value), x.shape, y.shape, std::move(begins),
                                  args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
