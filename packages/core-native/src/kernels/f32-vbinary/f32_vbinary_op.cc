// Driver of f32-vbinary layers: ONNX (numpy) multidirectional broadcasting, a fused unary
// epilogue applied while each block of the output is still in cache, and work split over the pool.
// Layer: inputs [a, b], outputs [y], no params, optional epilogue.
#include <cstring>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-vbinary/variants.h"
#include "kernels/f32-vunary/variants.h"

namespace kiln {
namespace {

constexpr int64_t kBlock = 4096;  // output floats per block: 16 KiB, L1-resident for the epilogue

struct BroadcastPlan {
  std::vector<int64_t> outer_dims, a_strides, b_strides;  // collapsed outer dims
  int64_t rows = 1, n = 1;
  bool a_vec = true, b_vec = true;  // inner run is a vector (else a broadcast scalar)
};

BroadcastPlan plan_broadcast(const OpBuildArgs& args, const std::vector<int64_t>& a, const std::vector<int64_t>& b,
                             const std::vector<int64_t>& y) {
  const size_t rank = y.size();
  require(a.size() <= rank && b.size() <= rank, args, "Output rank is below an input's rank.",
          "rank(y) = max(rank(a), rank(b))", shape_string(a) + " " + shape_string(b) + " -> " + shape_string(y));
  std::vector<int64_t> dims, sa, sb;
  int64_t stride_a = 1, stride_b = 1;
  std::vector<int64_t> ra(rank), rb(rank);
  for (size_t i = rank; i-- > 0;) {
    const size_t ia = i + a.size() - rank, ib = i + b.size() - rank;
    const int64_t da = i + a.size() >= rank ? a[ia] : 1, db = i + b.size() >= rank ? b[ib] : 1;
    const bool ok = (da == y[i] || da == 1) && (db == y[i] || db == 1) && (y[i] == da || y[i] == db);
    require(ok, args, "Shapes do not broadcast to the output shape.",
            "numpy broadcasting of " + shape_string(a) + " and " + shape_string(b), shape_string(y));
    ra[i] = da == 1 ? 0 : stride_a;
    rb[i] = db == 1 ? 0 : stride_b;
    stride_a *= da;
    stride_b *= db;
  }
  for (size_t i = 0; i < rank; ++i) {
    if (y[i] == 1) continue;
    if (!dims.empty() && sa.back() == ra[i] * y[i] && sb.back() == rb[i] * y[i]) {
      dims.back() *= y[i];
      sa.back() = ra[i];
      sb.back() = rb[i];
    } else {
      dims.push_back(y[i]);
      sa.push_back(ra[i]);
      sb.push_back(rb[i]);
    }
  }
  BroadcastPlan plan;
  if (!dims.empty()) {
    plan.n = dims.back();
    plan.a_vec = sa.back() != 0;
    plan.b_vec = sb.back() != 0;
    dims.pop_back();
    sa.pop_back();
    sb.pop_back();
  }
  plan.outer_dims = dims;
  plan.a_strides = sa;
  plan.b_strides = sb;
  plan.rows = product(dims, 0, dims.size());
  return plan;
}

class F32VBinaryOp final : public Op {
 public:
  F32VBinaryOp(BinaryOp op, const F32VBinaryVariant& kernel, const F32VUnaryVariant& unary,
               std::vector<UnaryStep> epilogue, BroadcastPlan plan, int a, int b, int y)
      : op_(op), kernel_(kernel), unary_(unary), epilogue_(std::move(epilogue)), plan_(std::move(plan)), a_(a), b_(b), y_(y) {}

  void run(const RunState& state) const override {
    const float* a = state.at<const float>(a_);
    const float* b = state.at<const float>(b_);
    float* y = state.at<float>(y_);
    const int64_t n = plan_.n, blocks = (n + kBlock - 1) / kBlock;
    const int64_t grain = std::max<int64_t>(1, 32768 / std::min(n, kBlock));
    parallel_chunks(state.pool, plan_.rows * blocks, grain, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t row = item / blocks, start = (item % blocks) * kBlock, len = std::min(kBlock, n - start);
        int64_t oa = 0, ob = 0, rest = row;
        for (size_t d = plan_.outer_dims.size(); d-- > 0;) {
          const int64_t i = rest % plan_.outer_dims[d];
          rest /= plan_.outer_dims[d];
          oa += i * plan_.a_strides[d];
          ob += i * plan_.b_strides[d];
        }
        float* out = y + row * n + start;
        if (plan_.a_vec && plan_.b_vec) kernel_.vv(op_, len, a + oa + start, b + ob + start, out);
        else if (plan_.a_vec) kernel_.vs(op_, len, a + oa + start, b[ob], out);
        else if (plan_.b_vec) kernel_.sv(op_, len, a[oa], b + ob + start, out);
        else kernel_.vv(op_, len, a + oa, b + ob, out);  // n == 1
        for (const UnaryStep& step : epilogue_) unary_.fn(step, len, out, out);
      }
    });
  }

 private:
  BinaryOp op_;
  const F32VBinaryVariant& kernel_;
  const F32VUnaryVariant& unary_;
  std::vector<UnaryStep> epilogue_;
  BroadcastPlan plan_;
  int a_, b_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_vbinary(const OpBuildArgs& args) {
  require_arity(args, 2, 2, 1);
  for (size_t i = 0; i < 2; ++i) require_dtype(args, args.in(i), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  require_params(args, 0, "none");
  BinaryOp op = BinaryOp::kAdd;
  const std::string name = args.base.substr(std::string("f32_vbinary_").size());
#define KILN_X(id, text) \
  if (name == text) op = BinaryOp::id;
  KILN_BINARY_OPS(KILN_X)
#undef KILN_X
  BroadcastPlan plan = plan_broadcast(args, args.in(0).shape, args.in(1).shape, args.out(0).shape);
  return std::make_unique<F32VBinaryOp>(op, pick_variant(kF32VBinaryVariants, args.isa),
                                        pick_variant(kF32VUnaryVariants, args.isa), args.layer.epilogue,
                                        std::move(plan), args.layer.inputs[0], args.layer.inputs[1],
                                        args.layer.outputs[0]);
}

}  // namespace kiln
