// Driver of f32_gemm layers: Y[..., N] = epilogue(A[..., K] · B[K, N]) with B prepacked
// (packWeights) for the variant. Layer: inputs [a, b packed float32 [packed size], bias? [N],
// residual? like y], outputs [y], params [K, N, hasBias, hasResidual], epilogue: at most one
// activation. M is the product of A's leading dims. Kernel ids: an exact variant
// (f32_gemm_14x32__avx512, ...) or the family alias f32_gemm (first variant at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "executor/gemm_layer.h"
#include "kernels/f32-gemm/variants.h"

namespace kiln {
namespace {

using f32_gemm::GemmVariant;

class F32GemmOp final : public Op {
 public:
  F32GemmOp(const GemmVariant& variant, f32_gemm::GemmParams params, int a, int b, int bias, int residual, int y,
            bool check_alignment, std::string where)
      : variant_(variant), params_(params), a_(a), b_(b), bias_(bias), residual_(residual), y_(y),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    f32_gemm::GemmParams p = params_;
    p.a = state.at<const float>(a_);
    p.packed_b = state.at<const float>(b_);
    if (check_alignment_) check_packed_pointer(p.packed_b, where_);
    p.c = state.at<float>(y_);
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    f32_gemm::gemm(variant_, p, state.pool);
  }

 private:
  const GemmVariant& variant_;
  f32_gemm::GemmParams params_;
  int a_, b_, bias_, residual_, y_;
  bool check_alignment_;
  std::string where_;
};

}  // namespace

std::unique_ptr<Op> make_f32_gemm(const OpBuildArgs& args) {
  const GemmLayer layer = check_gemm_layer(args);
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
  const int64_t packed = static_cast<int64_t>(f32_gemm::packed_b_size(*variant, k, n));
  require(b.elements == packed, args, "Packed weight size does not match the variant.",
          std::to_string(packed) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(b.elements));
  require_packed_alignment(args, b);
  f32_gemm::GemmParams p;
  p.m = a.elements / k, p.n = n, p.k = k, p.lda = k, p.ldc = n;
  p.epilogue = fused_activation(args);
  p.epilogue.residual_stride = n;
  const auto& in = args.layer.inputs;
  return std::make_unique<F32GemmOp>(*variant, p, in[0], in[1], has_bias ? in[2] : -1,
                                     has_residual ? in[inputs - 1] : -1, args.layer.outputs[0],
                                     b.location == Location::kInput, args.where);
}

}  // namespace kiln
