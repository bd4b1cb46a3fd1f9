// Drivers of x_logical_and / _or / _xor (inputs [a, b] bool, multidirectional broadcasting,
// outputs [y bool]) and x_logical_not (inputs [x bool], outputs [y bool] of x's shape). No params.
#include "configs/pick.h"
#include "executor/broadcast.h"
#include "executor/factories.h"
#include "kernels/x-logical/variants.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 16384;

class XLogicalOp final : public Op {
 public:
  XLogicalOp(LogicalOp op, const XLogicalVariant& kernel, BroadcastPlan plan, int a, int b, int y)
      : op_(op), kernel_(kernel), plan_(std::move(plan)), a_(a), b_(b), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* a = state.at<const uint8_t>(a_);
    const uint8_t* b = state.at<const uint8_t>(b_);
    uint8_t* y = state.at<uint8_t>(y_);
    for_each_broadcast_block(state.pool, plan_, kBlock, [&](const int64_t* offsets, int64_t out, int64_t len) {
      kernel_.binary(op_, len, a + offsets[0], plan_.inner_vec[0], b + offsets[1], plan_.inner_vec[1], y + out);
    });
  }

 private:
  LogicalOp op_;
  const XLogicalVariant& kernel_;
  BroadcastPlan plan_;
  int a_, b_, y_;
};

class XLogicalNotOp final : public Op {
 public:
  XLogicalNotOp(const XLogicalVariant& kernel, int64_t n, int x, int y) : kernel_(kernel), n_(n), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    parallel_chunks(state.pool, (n_ + kBlock - 1) / kBlock, 4, [&](int64_t begin, int64_t end) {
      for (int64_t block = begin; block < end; ++block) {
        const int64_t start = block * kBlock;
        kernel_.logical_not(std::min(kBlock, n_ - start), x + start, y + start);
      }
    });
  }

 private:
  const XLogicalVariant& kernel_;
  int64_t n_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_logical(const OpBuildArgs& args) {
  require_params(args, 0, "none");
  const XLogicalVariant& kernel = pick_variant(kXLogicalVariants, args.isa);
  if (args.base == "x_logical_not") {
    require_arity(args, 1, 1, 1);
    require_dtype(args, args.in(0), DType::kBool, "input");
    require_dtype(args, args.out(0), DType::kBool, "output");
    require(args.in(0).shape == args.out(0).shape, args, "Output shape differs from the input's.",
            shape_string(args.in(0).shape), shape_string(args.out(0).shape));
    return std::make_unique<XLogicalNotOp>(kernel, args.in(0).elements, args.layer.inputs[0], args.layer.outputs[0]);
  }
  require_arity(args, 2, 2, 1);
  for (size_t i = 0; i < 2; ++i) require_dtype(args, args.in(i), DType::kBool, "input");
  require_dtype(args, args.out(0), DType::kBool, "output");
  const std::string name = args.base.substr(std::string("x_logical_").size());
  LogicalOp op = LogicalOp::kAnd;
  if (name == "or") op = LogicalOp::kOr;
  else if (name == "xor") op = LogicalOp::kXor;
  else require(name == "and", args, "Unknown logical op.", "and, or, xor or not", name);
  BroadcastPlan plan = plan_broadcast(args, {args.in(0).shape, args.in(1).shape}, args.out(0).shape);
  return std::make_unique<XLogicalOp>(op, kernel, std::move(plan), args.layer.inputs[0], args.layer.inputs[1],
                                      args.layer.outputs[0]);
}

}  // namespace kiln
