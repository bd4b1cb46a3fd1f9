// Data movement without arithmetic, any dtype, on the microkernels of move.h (variants per ISA):
//   x_copy   inputs [x], outputs [y]: memcpy (Reshape/Flatten/Squeeze/Identity when the runtime
//            cannot alias y onto x; an aliasing reshape needs no layer at all, see README).
//   x_concat inputs [x0..xk], outputs [y], params [axis].
//   x_slice  inputs [x], outputs [y], params [start_0..start_{r-1}, step_0..step_{r-1}]: starts
//            already clamped to the dim (ONNX normalization done by the runtime), steps != 0; the
//            output shape gives the count along each dim. Dims that stay contiguous merge, so the
//            inner loop copies the longest run the slice allows (or gathers it when strided).
#include <cstdlib>
#include <cstring>
#include <limits>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/x-copy/move.h"
#include "kernels/x-copy/rows.h"

namespace kiln {
namespace {

class XCopyOp final : public Op {
 public:
  XCopyOp(const XMoveVariant& move, int64_t bytes, int x, int y) : move_(move), bytes_(bytes), x_(x), y_(y) {}
  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    if (x == y || bytes_ == 0) return;
    if (x < y + bytes_ && y < x + bytes_) {  // partial overlap: only memmove is correct
      std::memmove(y, x, static_cast<size_t>(bytes_));
      return;
    }
    run_copy_parts(state.pool, move_, {CopyPart{y, 0, x, 0, 1, bytes_}});
  }

 private:
  const XMoveVariant& move_;
  int64_t bytes_;
  int x_, y_;
};

// Input k fills bytes [offset_k, offset_k + chunk_k) of each of the output's `outer` rows.
class XConcatOp final : public Op {
 public:
  XConcatOp(const XMoveVariant& move, std::vector<int> inputs, std::vector<int64_t> chunk_bytes, int64_t outer, int y)
      : move_(move), inputs_(std::move(inputs)), chunk_(std::move(chunk_bytes)), outer_(outer), y_(y) {
    for (int64_t c : chunk_) row_ += c;
  }
  void run(const RunState& state) const override {
    uint8_t* y = state.at<uint8_t>(y_);
    std::vector<CopyPart> parts;
    int64_t offset = 0;
    for (size_t i = 0; i < inputs_.size(); ++i) {
      parts.push_back({y + offset, row_, state.at<const uint8_t>(inputs_[i]), chunk_[i], outer_, chunk_[i]});
      offset += chunk_[i];
    }
    run_copy_parts(state.pool, move_, parts);
  }

 private:
  const XMoveVariant& move_;
  std::vector<int> inputs_;
  std::vector<int64_t> chunk_;
  int64_t outer_, row_ = 0;
  int y_;
};

// After merging: output rows (a RowMap over the merged outer dims) of `inner` elements, read from
// the input at the row's offset with element stride `step` (1: one copy per row, else a gather
// through `index`). Runs of rows with step 1 that are contiguous on both sides go as one copy.
class XSliceOp final : public Op {
 public:
  XSliceOp(const XMoveVariant& move, int64_t word, RowMap rows, int64_t inner, int64_t step, int x, int y)
      : move_(move), word_(word), rows_(std::move(rows)), inner_(inner), step_(step), x_(x), y_(y) {
    if (step_ != 1) {
      index_.resize(static_cast<size_t>(inner_));
      for (int64_t i = 0; i < inner_; ++i) index_[i] = static_cast<int32_t>(i * step_);
    }
  }
  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const int64_t run = inner_ * word_;
    parallel_chunks(state.pool, rows_.rows(), std::max<int64_t>(1, kPieceBytes / std::max<int64_t>(run, 1)),
                    [&](int64_t begin, int64_t end) {
                      rows_.walk(begin, end, [&](int64_t row, int64_t offset) {
                        if (step_ == 1) move_.copy_rows(y + row * run, 0, x + offset * word_, 0, 1, run);
                        else move_.gather(y + row * run, x + offset * word_, index_.data(), inner_, word_);
                      });
                    });
  }

 private:
  const XMoveVariant& move_;
  int64_t word_;
  RowMap rows_;
  int64_t inner_, step_;
  std::vector<int32_t> index_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_copy(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require(args.in(0).dtype == args.out(0).dtype && args.in(0).bytes == args.out(0).bytes, args,
          "x_copy needs the same dtype and size on both sides.",
          std::string(dtype_name(args.in(0).dtype)) + " " + std::to_string(args.in(0).bytes) + " bytes",
          std::string(dtype_name(args.out(0).dtype)) + " " + std::to_string(args.out(0).bytes) + " bytes");
  return std::make_unique<XCopyOp>(pick_variant(kXMoveVariants, args.isa), args.in(0).bytes, args.layer.inputs[0], args.layer.outputs[0]);
}

std::unique_ptr<Op> make_x_concat(const OpBuildArgs& args) {
  require_arity(args, 1, 64, 1);
  require_params(args, 1, "axis");
  const TensorDesc& y = args.out(0);
  const int axis = normalize_axis(args, param_int(args, 0), y.shape.size());
  const int64_t inner = product(y.shape, axis + 1, y.shape.size()) * static_cast<int64_t>(dtype_size(y.dtype));
  int64_t total = 0;
  std::vector<int64_t> chunks;
  for (size_t i = 0; i < args.layer.inputs.size(); ++i) {
    const TensorDesc& x = args.in(i);
    bool same = x.dtype == y.dtype && x.shape.size() == y.shape.size();
    for (size_t d = 0; same && d < y.shape.size(); ++d) same = static_cast<int>(d) == axis || x.shape[d] == y.shape[d];
    require(same, args, "Concat input does not match the output outside the axis.",
            std::string(dtype_name(y.dtype)) + " " + shape_string(y.shape) + " except dim " + std::to_string(axis),
            std::string(dtype_name(x.dtype)) + " " + shape_string(x.shape));
    total += x.shape[axis];
    chunks.push_back(x.shape[axis] * inner);
  }
  require(total == y.shape[axis], args, "Concat inputs do not add up to the output's axis.",
          std::to_string(y.shape[axis]), std::to_string(total));
  return std::make_unique<XConcatOp>(pick_variant(kXMoveVariants, args.isa), args.layer.inputs, chunks, product(y.shape, 0, axis), args.layer.outputs[0]);
}

std::unique_ptr<Op> make_x_slice(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require(x.dtype == y.dtype && x.shape.size() == y.shape.size() && !x.shape.empty(), args,
          "Slice needs equal dtype and rank (>= 1) on both sides.", std::string(dtype_name(x.dtype)) + " " + shape_string(x.shape),
          std::string(dtype_name(y.dtype)) + " " + shape_string(y.shape));
  const size_t rank = x.shape.size();
  require_params(args, 2 * rank, "starts then steps, one per dim");
  std::vector<int64_t> starts(rank), steps(rank);
  for (size_t d = 0; d < rank; ++d) {
    starts[d] = param_int(args, d);
    steps[d] = param_int(args, rank + d);
    const int64_t count = y.shape[d], last = starts[d] + (count - 1) * steps[d];
    require(steps[d] != 0, args, "Slice step must be non-zero.", "!= 0", "0");
    require(count == 0 || (starts[d] >= 0 && starts[d] < x.shape[d] && last >= 0 && last < x.shape[d]), args,
            "Slice reads outside the input.", "indices in [0, " + std::to_string(x.shape[d]) + ") on dim " + std::to_string(d),
            "start " + std::to_string(starts[d]) + ", step " + std::to_string(steps[d]) + ", count " + std::to_string(count));
  }
  // Merge: dim d folds into d + 1 when stepping d moves the input as far as the whole of d + 1
  // does; dims of extent 1 only add their start. Strides below are in elements of the input.
  const std::vector<int64_t> strides = contiguous_strides(x.shape);
  int64_t base = 0;
  std::vector<int64_t> counts, steps_merged;
  for (size_t d = 0; d < rank; ++d) {
    base += starts[d] * strides[d];
    const int64_t count = y.shape[d], step = steps[d] * strides[d];
    if (count == 1 && d + 1 < rank) continue;
    if (!counts.empty() && steps_merged.back() == count * step) {
      counts.back() *= count;
      steps_merged.back() = step;
    } else {
      counts.push_back(count);
      steps_merged.push_back(step);
    }
  }
  const int64_t inner = counts.back(), step = steps_merged.back();
  require(step == 1 || std::abs(step) * inner < std::numeric_limits<int32_t>::max(), args,
          "Strided slice too long for 32-bit gather offsets.", "|step| * count < 2^31", std::to_string(step * inner));
  counts.pop_back();
  steps_merged.pop_back();
  RowMap rows(counts, std::vector<std::vector<int64_t>>(counts.size()), steps_merged, base);
  return std::make_unique<XSliceOp>(pick_variant(kXMoveVariants, args.isa), static_cast<int64_t>(dtype_size(x.dtype)),
                                    std::move(rows), inner, step, args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
