// Driver of f32_matmul layers: MatMul of two activations (attention QK^T, PV); the layer contract
// (broadcast batch dims, 1-D promotion) is check_matmul_layer's. B is packed per batch on the fly
// (f32_gemm::batched_matmul).
// Variants: f32_matmul__avx512 (14x32 tile), __avx2 (6x16), __scalar (4x4).
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "executor/matmul_layer.h"
#include "kernels/f32-gemm/variants.h"

namespace kiln {
namespace {

using f32_gemm::GemmVariant;

// Broadcast batch dims after coalescing (check_matmul_layer); the innermost one is batched_matmul's batch.
using BatchDim = MatmulBatchDim;

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
  MatmulLayer layer = check_matmul_layer(args, "f32_matmul");
  const int64_t m = layer.m, n = layer.n, k = layer.k;
  std::vector<MatmulBatchDim>& merged = layer.batch;
  const GemmVariant* variant = nullptr;
  for (size_t i = 0; i < f32_gemm::variant_count() && variant == nullptr; ++i) {
    if (f32_gemm::variants()[i].isa == args.isa) variant = &f32_gemm::variants()[i];
  }
  require(variant != nullptr, args, "No GEMM variant for this ISA.", "avx512, avx2 or scalar", isa_name(args.isa));
  f32_gemm::BatchedMatmulParams p;
  p.m = m, p.n = n, p.k = k, p.lda = k, p.b_k_stride = n, p.b_n_stride = 1, p.ldc = n;
  p.epilogue.scale = layer.alpha;
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
