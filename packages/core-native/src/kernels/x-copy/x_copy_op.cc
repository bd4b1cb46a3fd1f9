// Data movement without arithmetic, any dtype:
//   x_copy   inputs [x], outputs [y]: memcpy (Reshape/Flatten/Squeeze/Identity when the runtime
//            cannot alias y onto x; an aliasing reshape needs no layer at all, see README).
//   x_concat inputs [x0..xk], outputs [y], params [axis].
//   x_slice  inputs [x], outputs [y], params [start_0..start_{r-1}, step_0..step_{r-1}]: starts
//            already clamped to the dim (ONNX normalization done by the runtime), steps != 0; the
//            output shape gives the count along each dim.
#include <cstring>

#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

class XCopyOp final : public Op {
 public:
  XCopyOp(int64_t bytes, int x, int y) : bytes_(bytes), x_(x), y_(y) {}
  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    if (x == y || bytes_ == 0) return;
    parallel_chunks(state.pool, bytes_, int64_t{1} << 20,
                    [&](int64_t b, int64_t e) { std::memmove(y + b, x + b, static_cast<size_t>(e - b)); });
  }

 private:
  int64_t bytes_;
  int x_, y_;
};

class XConcatOp final : public Op {
 public:
  XConcatOp(std::vector<int> inputs, std::vector<int64_t> chunk_bytes, int64_t outer, int y)
      : inputs_(std::move(inputs)), chunk_(std::move(chunk_bytes)), outer_(outer), y_(y) {
    for (int64_t c : chunk_) row_ += c;
  }
  void run(const RunState& state) const override {
    uint8_t* y = state.at<uint8_t>(y_);
    parallel_chunks(state.pool, outer_, std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row_, 1)),
                    [&](int64_t b, int64_t e) {
                      for (int64_t o = b; o < e; ++o) {
                        uint8_t* dst = y + o * row_;
                        for (size_t i = 0; i < inputs_.size(); ++i) {
                          std::memcpy(dst, state.at<const uint8_t>(inputs_[i]) + o * chunk_[i], chunk_[i]);
                          dst += chunk_[i];
                        }
                      }
                    });
  }

 private:
  std::vector<int> inputs_;
  std::vector<int64_t> chunk_;
  int64_t outer_, row_ = 0;
  int y_;
};

class XSliceOp final : public Op {
 public:
  XSliceOp(size_t elem, std::vector<int64_t> out_shape, std::vector<int64_t> in_strides, std::vector<int64_t> starts,
           std::vector<int64_t> steps, int x, int y)
      : elem_(elem), out_(std::move(out_shape)), strides_(std::move(in_strides)), starts_(std::move(starts)),
        steps_(std::move(steps)), x_(x), y_(y) {}
  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const size_t rank = out_.size();
    const int64_t inner = out_.back(), rows = product(out_, 0, rank - 1);
    parallel_chunks(state.pool, rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; ++row) {
        int64_t offset = starts_[rank - 1] * strides_[rank - 1], rest = row;
        for (size_t d = rank - 1; d-- > 0;) {
          offset += (starts_[d] + (rest % out_[d]) * steps_[d]) * strides_[d];
          rest /= out_[d];
        }
        uint8_t* dst = y + row * inner * elem_;
        const int64_t step = steps_[rank - 1];
        if (step == 1) {
          std::memcpy(dst, x + offset * elem_, inner * elem_);
        } else {
          for (int64_t i = 0; i < inner; ++i) std::memcpy(dst + i * elem_, x + (offset + i * step) * elem_, elem_);
        }
      }
    });
  }

 private:
  size_t elem_;
  std::vector<int64_t> out_, strides_, starts_, steps_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_copy(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require(args.in(0).dtype == args.out(0).dtype && args.in(0).bytes == args.out(0).bytes, args,
          "x_copy needs the same dtype and size on both sides.",
          std::string(dtype_name(args.in(0).dtype)) + " " + std::to_string(args.in(0).bytes) + " bytes",
          std::string(dtype_name(args.out(0).dtype)) + " " + std::to_string(args.out(0).bytes) + " bytes");
  return std::make_unique<XCopyOp>(args.in(0).bytes, args.layer.inputs[0], args.layer.outputs[0]);
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
  return std::make_unique<XConcatOp>(args.layer.inputs, chunks, product(y.shape, 0, axis), args.layer.outputs[0]);
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
  return std::make_unique<XSliceOp>(dtype_size(x.dtype), y.shape, contiguous_strides(x.shape), starts, steps,
                                    args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
