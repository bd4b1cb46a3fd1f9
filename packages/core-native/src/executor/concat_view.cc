// x_concat_view: a concatenation the builder eliminated. Each input is a view of the output (the
// producers wrote their slices in place), so running it moves nothing; building it checks that
// every input sits exactly where Concat would have copied it. Layer: inputs [x0, x1, ...], outputs
// [y], params [axis]. Contiguous case (every dim before the axis is 1): input i is dense at
// y.offset + (elements of x0..x(i-1)) * size. Strided case (axis is the last axis): input i is a
// column range at y.offset + (columns before it) * size with rowStride = y's last dim (a plan
// built for a dynamic profile keeps it at shapes where only one row is left).
#include "executor/factories.h"
#include "executor/kernel_util.h"

namespace kiln {
namespace {

class ConcatViewOp final : public Op {
 public:
  void run(const RunState&) const override {}
};

}  // namespace

std::unique_ptr<Op> make_x_concat_view(const OpBuildArgs& args) {
  require_params(args, 1, "axis");
  require(!args.layer.inputs.empty() && args.layer.outputs.size() == 1, args, "Wrong number of layer inputs or outputs.",
          ">= 1 input, 1 output",
          std::to_string(args.layer.inputs.size()) + " inputs, " + std::to_string(args.layer.outputs.size()) + " outputs");
  const TensorDesc& y = args.out(0);
  const size_t rank = y.shape.size();
  const int axis = normalize_axis(args, param_int(args, 0), rank);
  const int64_t outer = product(y.shape, 0, static_cast<size_t>(axis));
  const bool last_axis = static_cast<size_t>(axis) + 1 == rank;
  require(y.location == Location::kArena && y.row_stride == 0, args, "A concat view's output must be a dense arena tensor.",
          "location arena, no rowStride", location_name(y.location));
  const int64_t size = static_cast<int64_t>(dtype_size(y.dtype));
  const int64_t inner = product(y.shape, static_cast<size_t>(axis) + 1, rank);
  int64_t position = 0;  // along the axis
  for (size_t i = 0; i < args.layer.inputs.size(); ++i) {
    const TensorDesc& x = args.in(i);
    const std::string which = "input " + std::to_string(i);
    require(x.dtype == y.dtype && x.location == Location::kArena && x.shape.size() == rank, args,
            "A concat view's input must be an arena tensor of the output's dtype and rank.",
            std::string(dtype_name(y.dtype)) + " rank " + std::to_string(rank) + " in the arena",
            which + ": " + dtype_name(x.dtype) + " " + shape_string(x.shape) + " in " + location_name(x.location));
    for (size_t d = 0; d < rank; ++d) {
      require(d == static_cast<size_t>(axis) || x.shape[d] == y.shape[d], args,
              "Concat inputs must match the output outside the axis.", shape_string(y.shape),
              which + ": " + shape_string(x.shape));
    }
    const int64_t offset = y.offset + position * inner * size;
    // Dense slices need one block before the axis; column ranges need the axis to be the last one.
    const bool placed = x.row_stride == 0 ? outer == 1 : last_axis && x.row_stride == y.shape.back();
    require(x.offset == offset && placed, args, "A concat view's input is not where Concat puts it.",
            "offset " + std::to_string(offset) + (outer == 1 ? "" : ", rowStride " + std::to_string(y.shape.back())),
            which + ": offset " + std::to_string(x.offset) + ", rowStride " + std::to_string(x.row_stride) +
                (last_axis ? "" : " (axis " + std::to_string(axis) + " of rank " + std::to_string(rank) + ")"));
    position += x.shape[static_cast<size_t>(axis)];
  }
  require(position == y.shape[static_cast<size_t>(axis)], args, "Concat inputs must add up to the output along the axis.",
          std::to_string(y.shape[static_cast<size_t>(axis)]), std::to_string(position));
  return std::make_unique<ConcatViewOp>();
}

}  // namespace kiln
