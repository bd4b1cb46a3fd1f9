// Driver of bf16_gemm / f16_gemm / qu8_gemm layers: Y[..., N] = epilogue(A[..., K] · B[K, N])
// with fp32 A and Y and B prepacked (packWeights) in the variant's format. Inputs, outputs,
// params and epilogue exactly as f32_gemm's, so the builder can time every precision of a layer
// with one layer description. Kernel ids: an exact variant (bf16_gemm_32x32__amx, ...) or the
// family alias (bf16_gemm: first variant of that format at or below the ISA).
#include "executor/factories.h"
#include "executor/fused_epilogue.h"
#include "executor/gemm_layer.h"
#include "kernels/lowp-gemm/lowp.h"
#include "kernels/lowp-gemm/packed_weights.h"

namespace kiln {
namespace {

using lowp_gemm::LowpVariant;

class LowpGemmOp final : public Op {
 public:
  LowpGemmOp(const LowpVariant& variant, lowp_gemm::LowpParams params, int a, int b, int bias, int residual, int y,
             bool check_alignment, std::string where)
      : variant_(variant), params_(params), a_(a), b_(b), bias_(bias), residual_(residual), y_(y),
        check_alignment_(check_alignment), where_(std::move(where)) {}

  void run(const RunState& state) const override {
    lowp_gemm::LowpParams p = params_;
    p.a = state.at<const float>(a_);
    const uint8_t* packed = state.at<const uint8_t>(b_);
    if (check_alignment_) check_packed_pointer(packed, where_);
    if (variant_.format == lowp_gemm::Format::kQu8) p.quantization = lowp_gemm::read_header(packed, where_);
    p.packed_b = packed + lowp_gemm::header_bytes(variant_.format);
    p.c = state.at<float>(y_);
    if (bias_ >= 0) p.epilogue.bias = state.at<const float>(bias_);
    if (residual_ >= 0) p.epilogue.residual = state.at<const float>(residual_);
    lowp_gemm::gemm(variant_, p, state.pool);
  }

 private:
  const LowpVariant& variant_;
  lowp_gemm::LowpParams params_;
  int a_, b_, bias_, residual_, y_;
  bool check_alignment_;
  std::string where_;
};

}  // namespace

// The variant a lowp GEMM or conv tactic base names at `isa` (alias: first of its format).
const LowpVariant* resolve_lowp_gemm(const std::string& base, Isa isa) {
  const char* aliases[] = {"bf16_gemm", "f16_gemm", "qu8_gemm"};
  for (int f = 0; f < 3; ++f) {
    if (base != aliases[f]) continue;
    for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
      const LowpVariant& v = lowp_gemm::variants()[i];
      if (static_cast<int>(v.format) == f && static_cast<int>(v.isa) <= static_cast<int>(isa)) return &v;
    }
    return nullptr;
  }
  return lowp_gemm::find_variant((base + "__" + isa_name(isa)).c_str());
}

std::unique_ptr<Op> make_lowp_gemm(const OpBuildArgs& args) {
  const GemmLayer layer = check_gemm_layer(args);
  const int64_t k = layer.k, n = layer.n;
  const bool has_bias = layer.has_bias, has_residual = layer.has_residual;
  const size_t inputs = layer.inputs;
  const TensorDesc &a = args.in(0), &b = args.in(1);
  const LowpVariant* variant = resolve_lowp_gemm(args.base, args.isa);
  require(variant != nullptr, args, "Unknown reduced-precision GEMM variant.", "a tactic id listed by kernels()",
          args.base);
  if (args.tactic != nullptr) *args.tactic = variant->name;
  const int64_t bytes = lowp_gemm::header_bytes(variant->format) +
                        static_cast<int64_t>(lowp_gemm::packed_b_bytes(*variant, k, n));
  require(b.bytes == bytes, args, "Packed weight size does not match the variant.",
          std::to_string(bytes / 4) + " floats (packWeights('" + std::string(variant->name) + "', ...))",
          std::to_string(b.elements));
  require_packed_alignment(args, b);
  lowp_gemm::LowpParams p;
  // A strided output (concat elimination: a column range of a wider tensor) is written through ldc.
  const int64_t stride = args.out(0).row_stride;
  p.m = a.elements / k, p.n = n, p.k = k, p.lda = k, p.ldc = stride > 0 ? stride : n;
  p.epilogue = fused_activation(args);
  p.epilogue.residual_stride = n;
  const auto& in = args.layer.inputs;
  return std::make_unique<LowpGemmOp>(*variant, p, in[0], in[1], has_bias ? in[2] : -1,
                                      has_residual ? in[inputs - 1] : -1, args.layer.outputs[0],
                                      b.location == Location::kInput, args.where);
}

}  // namespace kiln
