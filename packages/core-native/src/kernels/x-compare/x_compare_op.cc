// Drivers of x_compare_<op> layers (ONNX Equal, Less, LessOrEqual, Greater, GreaterOrEqual with
// multidirectional broadcasting) and of f32_isnan / f32_isinf.
// x_compare_*: inputs [a, b] (same dtype: float32, int32, int64 or bool), outputs [y bool], no params.
// f32_isnan: inputs [x float32], outputs [y bool of x's shape], no params.
// f32_isinf: the same with params [detect_negative (0|1), detect_positive (0|1)].
#include <cstring>

#include "configs/pick.h"
#include "executor/broadcast.h"
#include "executor/factories.h"
#include "kernels/x-compare/variants.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 16384;

class XCompareOp final : public Op {
 public:
  XCompareOp(CompareOp op, bool swap, DType dtype, const XCompareVariant& kernel, BroadcastPlan plan, int a, int b,
             int y)
      : op_(op), swap_(swap), dtype_(dtype), kernel_(kernel), plan_(std::move(plan)), a_(a), b_(b), y_(y) {}

  void run(const RunState& state) const override {
    switch (dtype_) {
      case DType::kFloat32: return run_typed<float>(state, kernel_.f32);
      case DType::kInt32: return run_typed<int32_t>(state, kernel_.s32);
      case DType::kInt64: return run_typed<int64_t>(state, kernel_.s64);
      case DType::kBool:
      case DType::kUint8: return run_typed<uint8_t>(state, kernel_.u8);
      case DType::kBfloat16: return;  // never reached: bf16 layers only read bf16 (kernel_registry)
    }
  }

 private:
  template <class T>
  void run_typed(const RunState& state, CompareFn<T> fn) const {
    const T* a = state.at<const T>(a_);
    const T* b = state.at<const T>(b_);
    uint8_t* y = state.at<uint8_t>(y_);
    const bool a_vec = plan_.inner_vec[0], b_vec = plan_.inner_vec[1];
    for_each_broadcast_block(state.pool, plan_, kBlock, [&](const int64_t* offsets, int64_t out, int64_t len) {
      if (swap_) fn(op_, len, b + offsets[1], b_vec, a + offsets[0], a_vec, y + out);
      else fn(op_, len, a + offsets[0], a_vec, b + offsets[1], b_vec, y + out);
    });
  }

  CompareOp op_;
  bool swap_;
  DType dtype_;
  const XCompareVariant& kernel_;
  BroadcastPlan plan_;
  int a_, b_, y_;
};

class F32ClassifyOp final : public Op {
 public:
  F32ClassifyOp(bool never, ClassifyOp op, const XCompareVariant& kernel, int64_t n, int x, int y)
      : never_(never), op_(op), kernel_(kernel), n_(n), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    if (never_) {
      std::memset(y, 0, static_cast<size_t>(n_));
      return;
    }
    parallel_chunks(state.pool, (n_ + kBlock - 1) / kBlock, 2, [&](int64_t begin, int64_t end) {
      for (int64_t block = begin; block < end; ++block) {
        const int64_t start = block * kBlock;
        kernel_.classify(op_, std::min(kBlock, n_ - start), x + start, y + start);
      }
    });
  }

 private:
  bool never_;
  ClassifyOp op_;
  const XCompareVariant& kernel_;
  int64_t n_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_x_compare(const OpBuildArgs& args) {
  require_arity(args, 2, 2, 1);
  require_params(args, 0, "none");
  const TensorDesc &a = args.in(0), &b = args.in(1), &y = args.out(0);
  require(a.dtype == b.dtype, args, "Comparison inputs must have one dtype.", dtype_name(a.dtype), dtype_name(b.dtype));
  require(a.dtype == DType::kFloat32 || a.dtype == DType::kInt32 || a.dtype == DType::kInt64 || a.dtype == DType::kBool,
          args, "Unsupported comparison dtype.", "float32, int32, int64 or bool", dtype_name(a.dtype));
  require_dtype(args, y, DType::kBool, "output");
  const std::string name = args.base.substr(std::string("x_compare_").size());
  CompareOp op = CompareOp::kEqual;
  bool swap = false;
  if (name == "less") op = CompareOp::kLess;
  else if (name == "less_equal") op = CompareOp::kLessEqual;
  else if (name == "greater") op = CompareOp::kLess, swap = true;
  else if (name == "greater_equal") op = CompareOp::kLessEqual, swap = true;
  else require(name == "equal", args, "Unknown comparison.", "equal, less, less_equal, greater or greater_equal", name);
  BroadcastPlan plan = plan_broadcast(args, {a.shape, b.shape}, y.shape);
  return std::make_unique<XCompareOp>(op, swap, a.dtype, pick_variant(kXCompareVariants, args.isa), std::move(plan),
                                      args.layer.inputs[0], args.layer.inputs[1], args.layer.outputs[0]);
}

std::unique_ptr<Op> make_f32_classify(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require_dtype(args, x, DType::kFloat32, "input");
  require_dtype(args, y, DType::kBool, "output");
  require(x.shape == y.shape, args, "Output shape differs from the input's.", shape_string(x.shape),
          shape_string(y.shape));
  ClassifyOp op = ClassifyOp::kNan;
  bool never = false;
  if (args.base == "f32_isinf") {
    require_params(args, 2, "detect_negative, detect_positive");
    const int64_t negative = param_int(args, 0), positive = param_int(args, 1);
    require((negative == 0 || negative == 1) && (positive == 0 || positive == 1), args,
            "detect_negative and detect_positive must be 0 or 1.", "0 or 1",
            std::to_string(negative) + ", " + std::to_string(positive));
    op = negative && positive ? ClassifyOp::kInf : negative ? ClassifyOp::kNegInf : ClassifyOp::kPosInf;
    never = !negative && !positive;
  } else {
    require_params(args, 0, "none");
  }
  return std::make_unique<F32ClassifyOp>(never, op, pick_variant(kXCompareVariants, args.isa), x.elements,
                                         args.layer.inputs[0], args.layer.outputs[0]);
}

}  // namespace kiln
