// Driver of x_cast layers (ONNX Cast) among float32, int64, int32 and bool: semantics and variants
// in variants.h. Layer: inputs [x], outputs [y] (same element count), dtypes from the tensor table.
// Large casts split over the pool; small ones stay on one core.
#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/x-cast/variants.h"

namespace kiln {
namespace {

class XCastOp final : public Op {
 public:
  XCastOp(CastFn fn, int64_t from_bytes, int64_t to_bytes, int64_t n, int x, int y)
      : fn_(fn), from_(from_bytes), to_(to_bytes), n_(n), x_(x), y_(y) {}
  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    parallel_chunks(state.pool, n_, 32768, [&](int64_t b, int64_t e) { fn_(x + b * from_, y + b * to_, e - b); });
  }

 private:
  CastFn fn_;
  int64_t from_, to_, n_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_cast(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require(x.elements == y.elements, args, "Cast input and output sizes differ.", std::to_string(x.elements) + " elements",
          std::to_string(y.elements) + " elements");
  return std::make_unique<XCastOp>(pick_variant(kXCastVariants, args.isa).pick(x.dtype, y.dtype),
                                   static_cast<int64_t>(dtype_size(x.dtype)), static_cast<int64_t>(dtype_size(y.dtype)),
                                   x.elements, args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
