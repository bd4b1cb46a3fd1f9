// Driver of f32_matmul layers: MatMul of two activations (attention QK^T, PV) with numpy
// broadcasting of the batch dims and ONNX's 1-D promotion (A [K] is [1, K] and B [K] is [K, 1],
// the promoted dim dropped from Y). Layer: inputs [a [..., M, K], b [..., K, N]], outputs
// [y [..., M, N]], no params. B is packed per batch on the fly (f32_gemm::batched_matmul).
// Variants: f32_matmul__avx512 (14x32 tile), __avx2 (6x16), __scalar (4x4).
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-gemm/variants.h"

namespace kiln {
namespace {

using f32_gemm::GemmVariant;

// Broadcast batch dims after coalescing; the innermost one is batched_matmul's batch.
struct BatchDim {
  int64_t size, a_stride, b_stride, c_stride;
};

class F32MatmulOp final : public Op {
 public:
  F32MatmulOp(const GemmVariant& variant, f32_gemm::BatchedMatmulParams params, std::vector<BatchDim> outer, int a,
              int b, int y)
      : variant_(variant), params_(params), outer_(std::move(outer)), a_(a), b_(b), y_(y) {}

  void run(const RunState& state) const override {
    const float* a = state.at<const float>(a_);
    const float* b = state.at<const float>(b_);
    float* c = state.at<float>(y_);
    int64_t combos = 1;
    for (const BatchDim& d : outer_) combos *= d.size;
    for (int64_t index = 0; index < combos; ++index) {
      int64_t rest = index, ao = 0, bo = 0, co = 0;
      for (size_t i = outer_.size(); i-- > 0;) {
        const int64_t at = rest % outer_[i].size;
        rest /= outer_[i].size;
        ao += at * outer_[i].a_stride, bo += at * outer_[i].b_stride, co += at * outer_[i].c_stride;
      }
      f32_gemm::BatchedMatmulParams p = params_;
      p.a = a + ao, p.b = b + bo, p.c = c + co;
      f32_gemm::batched_matmul(variant_, p, state.pool);
    }
  }

 private:
  const GemmVariant& variant_;
  f32_gemm::BatchedMatmulParams params_;
  std::vector<BatchDim> outer_;
  int a_, b_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_matmul(const OpBuildArgs& args) {
  require_arity(args, 2, 2, 1);
  require_params(args, 0, "none");
  require(args.layer.epilogue.empty(), args, "f32_matmul takes no epilogue.", "no epilogue", "an epilogue");
  for (size_t i = 0; i < 2; ++i) require_dtype(args, args.in(i), DType::kFloat32, "MatMul inputs");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  std::vector<int64_t> as = args.in(0).shape, bs = args.in(1).shape;
  require(!as.empty() && !bs.empty(), args, "MatMul operands must have rank >= 1.", "rank >= 1",
          shape_string(as) + " x " + shape_string(bs));
  const bool a1d = as.size() == 1, b1d = bs.size() == 1;
  if (a1d) as.insert(as.begin(), 1);
  if (b1d) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  require(bs[bs.size() - 2] == k, args, "MatMul inner dims differ.", "B [..., " + std::to_string(k) + ", N]",
          shape_string(args.in(1).shape));
  require(m >= 1 && n >= 1 && k >= 1, args, "MatMul dims must be positive.", "M, N, K >= 1",
          shape_string(args.in(0).shape) + " x " + shape_string(args.in(1).shape));
  const size_t ra = as.size() - 2, rb = bs.size() - 2, rank = std::max(ra, rb);
  std::vector<BatchDim> dims(rank);
  int64_t a_stride = m * k, b_stride = k * n, c_stride = m * n;
  std::vector<int64_t> expected(rank);
  for (size_t i = rank; i-- > 0;) {
    const size_t from_end = rank - i;
    const int64_t da = from_end <= ra ? as[ra - from_end] : 1, db = from_end <= rb ? bs[rb - from_end] : 1;
    require(da == db || da == 1 || db == 1, args, "MatMul batch dims do not broadcast.",
            "equal dims or 1", shape_string(args.in(0).shape) + " x " + shape_string(args.in(1).shape));
    const int64_t d = std::max(da, db);
    require(d >= 1, args, "MatMul batch dims must be positive.", ">= 1", std::to_string(d));
    expected[i] = d;
    dims[i] = {d, da == 1 ? 0 : a_stride, db == 1 ? 0 : b_stride, c_stride};
    a_stride *= da, b_stride *= db, c_stride *= d;
  }
  if (!a1d) expected.push_back(m);
  if (!b1d) expected.push_back(n);
  require(args.out(0).shape == expected, args, "MatMul output shape mismatch.", shape_string(expected),
          shape_string(args.out(0).shape));
  // Coalesce: drop size-1 dims, merge a dim into its inner neighbour when all strides line up.
  std::vector<BatchDim> merged;
  for (const BatchDim& d : dims) {
    if (d.size == 1) continue;
    if (!merged.empty()) {
      BatchDim& last = merged.back();
      if (last.a_stride == d.a_stride * d.size && last.b_stride == d.b_stride * d.size &&
          last.c_stride == d.c_stride * d.size) {
        last = {last.size * d.size, d.a_stride, d.b_stride, d.c_stride};
        continue;
      }
    }
    merged.push_back(d);
  }
  const GemmVariant* variant = nullptr;
  for (size_t i = 0; i < f32_gemm::variant_count() && variant == nullptr; ++i) {
    if (f32_gemm::variants()[i].isa == args.isa) variant = &f32_gemm::variants()[i];
  }
  require(variant != nullptr, args, "No GEMM variant for this ISA.", "avx512, avx2 or scalar", isa_name(args.isa));
  f32_gemm::BatchedMatmulParams p;
  p.m = m, p.n = n, p.k = k, p.lda = k, p.b_k_stride = n, p.b_n_stride = 1, p.ldc = n;
  if (!merged.empty()) {
    const BatchDim inner = merged.back();
    merged.pop_back();
    p.batch = inner.size, p.a_batch_stride = inner.a_stride, p.b_batch_stride = inner.b_stride,
    p.c_batch_stride = inner.c_stride;
  }
  return std::make_unique<F32MatmulOp>(*variant, p, std::move(merged), args.layer.inputs[0], args.layer.inputs[1],
                                       args.layer.outputs[0]);
}

}  // namespace kiln
