// x_split (ONNX Split), any dtype: outputs are consecutive slices of x along `axis`, each output's
// extent taken from its shape. Layer: inputs [x], outputs [y_0..y_k], params [axis]. Output k is a
// 2-D copy (outer rows of its bytes per row) on the move.h microkernels, split over the pool.
#include <cstring>

#include "executor/factories.h"
#include "configs/pick.h"
#include "executor/kernel_util.h"
#include "kernels/x-copy/move.h"
#include "kernels/x-copy/rows.h"

namespace kiln {
namespace {

class XSplitOp final : public Op {
 public:
  XSplitOp(const XMoveVariant& move, int64_t outer, int64_t in_bytes, std::vector<int64_t> out_bytes, int x,
           std::vector<int> outputs)
      : move_(move), outer_(outer), in_bytes_(in_bytes), out_bytes_(std::move(out_bytes)), x_(x),
        outputs_(std::move(outputs)) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    std::vector<CopyPart> parts;
    int64_t offset = 0;
    for (size_t k = 0; k < outputs_.size(); ++k) {
      parts.push_back({state.at<uint8_t>(outputs_[k]), out_bytes_[k], x + offset, in_bytes_, outer_, out_bytes_[k]});
      offset += out_bytes_[k];
    }
    run_copy_parts(state.pool, move_, parts);
  }

 private:
  const XMoveVariant& move_;
  int64_t outer_, in_bytes_;
  std::vector<int64_t> out_bytes_;  // bytes per outer index, per output
  int x_;
  std::vector<int> outputs_;
};

}  // namespace

std::unique_ptr<Op> make_x_split(const OpBuildArgs& args) {
  const size_t parts = args.layer.outputs.size();
  require(args.layer.inputs.size() == 1, args, "Wrong number of layer inputs.", "1", std::to_string(args.layer.inputs.size()));
  require(parts >= 1 && parts <= 1024, args, "Wrong number of layer outputs.", "1..1024", std::to_string(parts));
  require_params(args, 1, "axis");
  const TensorDesc& x = args.in(0);
  require(!x.shape.empty(), args, "Split needs rank >= 1.", "rank >= 1", "a scalar");
  const int axis = normalize_axis(args, param_int(args, 0), x.shape.size());
  const int64_t word = static_cast<int64_t>(dtype_size(x.dtype));
  const int64_t inner = product(x.shape, axis + 1, x.shape.size()) * word;
  std::vector<int64_t> out_bytes;
  int64_t total = 0;
  for (size_t k = 0; k < parts; ++k) {
    const TensorDesc& y = args.out(k);
    std::vector<int64_t> expected = x.shape;
    expected[axis] = y.shape.size() == x.shape.size() ? y.shape[axis] : -1;
    require(y.dtype == x.dtype && y.shape == expected, args, "Split outputs must match the input except along axis.",
            std::string(dtype_name(x.dtype)) + " " + shape_string(x.shape) + " with any extent on axis " + std::to_string(axis),
            std::string(dtype_name(y.dtype)) + " " + shape_string(y.shape));
    out_bytes.push_back(y.shape[axis] * inner);
    total += y.shape[axis];
  }
  require(total == x.shape[axis], args, "Split output extents must add up to the input's.",
          std::to_string(x.shape[axis]), std::to_string(total));
  return std::make_unique<XSplitOp>(pick_variant(kXMoveVariants, args.isa), product(x.shape, 0, axis), x.shape[axis] * inner, std::move(out_bytes),
                                    args.layer.inputs[0], args.layer.outputs);
}

}  // namespace kiln
