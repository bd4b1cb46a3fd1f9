// x_pad (ONNX Pad), any dtype, modes constant / reflect / edge / wrap; negative pads crop.
// Layer: inputs [x], outputs [y], params [mode (0 constant, 1 reflect, 2 edge, 3 wrap), value,
// begin_0..begin_{r-1}, end_0..end_{r-1}] with y[d] = x[d] + begin[d] + end[d].
// Output coordinate o reads input coordinate o - begin[d], mapped back inside [0, x[d]) by the
// mode (reflect: mirror without repeating the edge, period 2(x[d] - 1); edge: clamp; wrap:
// modulo) or, in constant mode, replaced by `value` when outside. Each output row (a RowMap over
// the outer dims, with the mode's mapping as per-dim tables) is a constant fill, or a copy of the
// in-range middle between two borders that are fills (constant) or word gathers (other modes), on
// the move.h microkernels.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "executor/factories.h"
#include "configs/pick.h"
#include "executor/kernel_util.h"
#include "kernels/x-copy/move.h"
#include "kernels/x-copy/rows.h"

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
  XPadOp(const XMoveVariant& move, PadMode mode, std::vector<uint8_t> value, const std::vector<int64_t>& x_shape,
         const std::vector<int64_t>& y_shape, const std::vector<int64_t>& begins, int x, int y)
      : move_(move), value_(std::move(value)), rows_(make_rows(mode, x_shape, y_shape, begins)), x_(x), y_(y) {
    const size_t last = y_shape.size() - 1;
    const int64_t n = x_shape[last], begin = begins[last];
    out_row_ = y_shape[last];
    in_row_ = n;
    lo_ = std::clamp<int64_t>(begin, 0, out_row_);
    hi_ = std::clamp<int64_t>(begin + n, lo_, out_row_);
    constant_ = mode == PadMode::kConstant;
    border_.resize(static_cast<size_t>(out_row_));
    for (int64_t o = 0; o < out_row_; ++o) border_[o] = static_cast<int32_t>(source_index(mode, o, begin, n));
  }

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const int64_t word = static_cast<int64_t>(value_.size()), out_bytes = out_row_ * word;
    parallel_chunks(state.pool, rows_.rows(), std::max<int64_t>(1, kPieceBytes / std::max<int64_t>(out_bytes, 1)),
                    [&](int64_t begin, int64_t end) {
                      rows_.walk(begin, end, [&](int64_t r, int64_t source) {
                        uint8_t* to = y + r * out_bytes;
                        if (source < 0) {
                          move_.fill(to, value_.data(), word, out_row_);
                          return;
                        }
                        const uint8_t* from = x + source * in_row_ * word;
                        border(to, from, 0, lo_, word);
                        if (hi_ > lo_) {
                          move_.copy_rows(to + lo_ * word, 0, from + border_[lo_] * word, 0, 1, (hi_ - lo_) * word);
                        }
                        border(to, from, hi_, out_row_, word);
                      });
                    });
  }

 private:
  // The output's rows (every dim but the last) and the input row each reads (-1: constant).
  static RowMap make_rows(PadMode mode, const std::vector<int64_t>& x_shape, const std::vector<int64_t>& y_shape,
                          const std::vector<int64_t>& begins) {
    const size_t rows_rank = y_shape.size() - 1;
    std::vector<std::vector<int64_t>> tables(rows_rank);
    std::vector<int64_t> strides(rows_rank);
    int64_t stride = 1;
    for (size_t d = rows_rank; d-- > 0;) {
      strides[d] = stride;
      stride *= x_shape[d];
      tables[d].resize(static_cast<size_t>(y_shape[d]));
      for (int64_t o = 0; o < y_shape[d]; ++o) tables[d][o] = source_index(mode, o, begins[d], x_shape[d]);
    }
    return RowMap(std::vector<int64_t>(y_shape.begin(), y_shape.end() - 1), std::move(tables), std::move(strides));
  }

  // Output columns [a, b) outside the input's range: the constant, or the mode's mapped words.
  void border(uint8_t* to, const uint8_t* from, int64_t a, int64_t b, int64_t word) const {
    if (a >= b) return;
    if (constant_) move_.fill(to + a * word, value_.data(), word, b - a);
    else move_.gather(to + a * word, from, border_.data() + a, b - a, word);
  }

  const XMoveVariant& move_;
  std::vector<uint8_t> value_;  // the constant as one element of the tensor's dtype
  RowMap rows_;
  int64_t out_row_ = 0, in_row_ = 0, lo_ = 0, hi_ = 0;  // output columns [lo, hi) copy the input
  bool constant_ = false;
  std::vector<int32_t> border_;  // source column per output column of the last dim (-1: constant)
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
    require(mode == 0 || x.shape[d] > 0 || y.shape[d] == 0, args, "Reflect, edge and wrap need a non-empty input dim.",
            "dim " + std::to_string(d) + " > 0", shape_string(x.shape));
  }
  require(y.shape[rank - 1] < (int64_t{1} << 31), args, "Pad's last dim is too long for 32-bit offsets.", "< 2^31",
          std::to_string(y.shape[rank - 1]));
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
    case DType::kBfloat16: {  // never reached: bf16 tensors are bf16 layers' only (kernel_registry)
      const float f = static_cast<float>(v);
      uint32_t bits;
      std::memcpy(&bits, &f, 4);
      const uint16_t half = static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
      std::memcpy(value.data(), &half, 2);
      break;
    }
  }
  return std::make_unique<XPadOp>(pick_variant(kXMoveVariants, args.isa), static_cast<PadMode>(mode), std::move(value), x.shape, y.shape, std::move(begins),
                                  args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
