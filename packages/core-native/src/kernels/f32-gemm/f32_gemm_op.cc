// Driver of f32_gemm layers: Y[..., N] = epilogue(A[..., K] · B[K, N]) with B prepacked
// (packWeights) for the variant. Layer: inputs [a, b packed float32 [packed size], bias? [N],
// residual? like y], outputs [y], params [K, N, hasBias, hasResidual], epilogue: at most one
// activation. M is the product of A's leading dims. Kernel ids: an exact variant
// (f32_gemm_14x32__avx512, ...) or the family alias f32_gemm (first variant at or below the ISA).
//
// Horizontal fusion: with k >= 2 outputs (params [K, N, hasBias, 0, n1..nk]), output i gets the
// columns of branch i, whose weights are packed on their own (packWeights per branch, each padded
// to 64 bytes, back to back); one task split covers every branch. An output may be strided (a
// column range of a concat it was eliminated into): its row stride becomes ldc.
#include <algorithm>

#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "executor/gemm_layer.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/f32-gemm/variants.h"
#include "runtime/thread_pool.h"

namespace kiln {
namespace {

using f32_gemm::GemmVariant;

// One output's share of the fused weights: its columns, packed-weight and bias offsets.
struct Branch {
  int y;
  int64_t n, ldc, packed_offset, bias_offset;
};

class F32GemmOp final : public Op {
 public:
  F32GemmOp(const GemmVariant& variant, f32_gemm::GemmParams params, int a, int b, int bias, int residual,
            std::vector<Branch> branches, bool check_alignment, std::string where)
      : variant_(variant), params_(params), a_(a), b_(b), bias_(bias), residual_(residual),
        branches_(std::move(branches)), check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    f32_gemm::GemmParams p = params_;
    p.a = state.at<const float>(a_);
    p.packed_b = state.at<const float>(b_);
    if (check_alignment_) check_packed_pointer(p.packed_b, where_);
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    if (branches_.size() == 1) {
      p.c = state.at<float>(branches_[0].y);
      p.ldc = branches_[0].ldc;
      f32_gemm::gemm(variant_, p, state.pool);
      return;
    }
    run_split(p, state);
  }

 private:
  // One tile grid over all N columns; each branch takes the column chunks of its own width.
  void run_split(const f32_gemm::GemmParams& fused, const RunState& state) const {
    const int threads = state.pool != nullptr ? state.pool->size() : 1;
    const f32_gemm::TileGrid grid = f32_gemm::plan_gemm_tiles(variant_, fused.m, fused.n, fused.k, threads);
    std::vector<f32_gemm::GemmParams> params(branches_.size(), fused);
    std::vector<int64_t> first_task(branches_.size() + 1, 0);
    for (size_t i = 0; i < branches_.size(); ++i) {
      const Branch& branch = branches_[i];
      f32_gemm::GemmParams& p = params[i];
      p.n = branch.n;
      p.packed_b = fused.packed_b + branch.packed_offset;
      p.c = state.at<float>(branch.y);
      p.ldc = branch.ldc;
      if (fused.epilogue.bias != nullptr) p.epilogue.bias = fused.epilogue.bias + branch.bias_offset;
      first_task[i + 1] = first_task[i] + (branch.n + grid.n_chunk - 1) / grid.n_chunk;
    }
    const int64_t n_tasks = first_task.back();
    auto run = [&](int64_t task) {
      const int64_t column_task = task % n_tasks;
      const size_t i = static_cast<size_t>(std::upper_bound(first_task.begin(), first_task.end(), column_task) -
                                           first_task.begin() - 1);
      const f32_gemm::GemmParams& p = params[i];
      const int64_t m0 = task / n_tasks * grid.m_chunk, n0 = (column_task - first_task[i]) * grid.n_chunk;
      f32_gemm::gemm_block(variant_, p, m0, std::min(p.m, m0 + grid.m_chunk), n0, std::min(p.n, n0 + grid.n_chunk));
    };
    const int64_t tasks = grid.m_tasks * n_tasks;
    if (state.pool == nullptr || tasks == 1) {
      for (int64_t task = 0; task < tasks; ++task) run(task);
    } else {
      state.pool->parallel_for(tasks, run);
    }
  }

  const GemmVariant& variant_;
  f32_gemm::GemmParams params_;
  int a_, b_, bias_, residual_;
  std::vector<Branch> branches_;
  bool check_alignment_;
  std::string where_;
};

// Floats of one branch's packed weights, padded so the next branch starts 64-byte aligned.
int64_t padded_packed(const GemmVariant& variant, int64_t k, int64_t n) {
  return (static_cast<int64_t>(f32_gemm::packed_b_size(variant, k, n)) + 15) / 16 * 16;
}

}  // namespace

std::unique_ptr<Op> make_f32_gemm(const OpBuildArgs& args) {
  const GemmLayer layer = check_gemm_layer(args, true);
  const int64_t k = layer.k, n = layer.n;
  const bool has_bias = layer.has_bias, has_residual = layer.has_residual;
  const size_t inputs = layer.inputs;
  const TensorDesc &a = args.in(0), &b = args.in(1);
  const GemmVariant* variant = nullptr;
  if (args.base == "f32_gemm") {
    for (size_t i = 0; i < f32_gemm::variant_count() && variant == nullptr; ++i) {
      const GemmVariant& v = f32_gemm::variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(args.isa)) variant = &v;
    }
  } else {
    variant = f32_gemm::find_variant((args.base + "__" + isa_name(args.isa)).c_str());
  }
  require(variant != nullptr, args, "Unknown GEMM variant.", "a tactic id listed by kernels()", args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  std::vector<Branch> branches;
  int64_t packed = 0, columns = 0;
  for (size_t i = 0; i < layer.splits.size(); ++i) {
    const int64_t stride = args.out(i).row_stride;
    branches.push_back({args.layer.outputs[i], layer.splits[i], stride > 0 ? stride : layer.splits[i], packed, columns});
    packed += layer.splits.size() == 1 ? static_cast<int64_t>(f32_gemm::packed_b_size(*variant, k, n))
                                       : padded_packed(*variant, k, layer.splits[i]);
    columns += layer.splits[i];
  }
  require(b.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...)" +
              (layer.splits.size() > 1 ? " per output, each padded to 16 floats)" : ")"),
          std::to_string(b.elements));
  require_packed_alignment(args, b);
  f32_gemm::GemmParams p;
  p.m = a.elements / k, p.n = n, p.k = k, p.lda = k, p.ldc = n;
  p.epilogue = fused_activation(args);
  p.epilogue.residual_stride = n;
  const auto& in = args.layer.inputs;
  return std::make_unique<F32GemmOp>(*variant, p, in[0], in[1], has_bias ? in[2] : -1,
                                     has_residual ? in[inputs - 1] : -1, std::move(branches),
                                     b.location == Location::kInput, args.where);
}

}  // namespace kiln
