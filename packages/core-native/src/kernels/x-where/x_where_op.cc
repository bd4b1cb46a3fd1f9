// Driver of x_where layers (ONNX Where with multidirectional broadcasting over all three inputs).
// Layer: inputs [cond bool, x, y] (x and y of one dtype), outputs [out] of that dtype, no params.
#include "configs/pick.h"
#include "executor/broadcast.h"
#include "executor/factories.h"
#include "kernels/x-where/variants.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 8192;

class XWhereOp final : public Op {
 public:
  XWhereOp(WhereFn fn, int64_t word, BroadcastPlan plan, int cond, int x, int y, int out)
      : fn_(fn), word_(word), plan_(std::move(plan)), cond_(cond), x_(x), y_(y), out_(out) {}

  void run(const RunState& state) const override {
    const uint8_t* cond = state.at<const uint8_t>(cond_);
    const uint8_t* x = state.at<const uint8_t>(x_);
    const uint8_t* y = state.at<const uint8_t>(y_);
    uint8_t* out = state.at<uint8_t>(out_);
    const std::vector<bool>& vec = plan_.inner_vec;
    for_each_broadcast_block(state.pool, plan_, kBlock, [&](const int64_t* offsets, int64_t at, int64_t len) {
      fn_(len, cond + offsets[0], vec[0], x + offsets[1] * word_, vec[1], y + offsets[2] * word_, vec[2],
          out + at * word_);
    });
  }

 private:
  WhereFn fn_;
  int64_t word_;
  BroadcastPlan plan_;
  int cond_, x_, y_, out_;
};

}  // namespace

std::unique_ptr<Op> make_x_where(const OpBuildArgs& args) {
  require_arity(args, 3, 3, 1);
  require_params(args, 0, "none");
  const TensorDesc &cond = args.in(0), &x = args.in(1), &y = args.in(2), &out = args.out(0);
  require_dtype(args, cond, DType::kBool, "condition");
  require(x.dtype == y.dtype && out.dtype == x.dtype, args, "Where's value inputs and output must share a dtype.",
          dtype_name(x.dtype), std::string(dtype_name(y.dtype)) + " and " + dtype_name(out.dtype));
  const size_t word = dtype_size(x.dtype);
  const int slot = word == 1 ? 0 : word == 2 ? 1 : word == 4 ? 2 : word == 8 ? 3 : -1;
  require(slot >= 0, args, "Unsupported element size.", "1, 2, 4 or 8 bytes", std::to_string(word));
  BroadcastPlan plan = plan_broadcast(args, {cond.shape, x.shape, y.shape}, out.shape);
  const auto& in = args.layer.inputs;
  return std::make_unique<XWhereOp>(pick_variant(kXWhereVariants, args.isa).by_size[slot],
                                    static_cast<int64_t>(word), std::move(plan), in[0], in[1], in[2],
                                    args.layer.outputs[0]);
}

}  // namespace kiln
