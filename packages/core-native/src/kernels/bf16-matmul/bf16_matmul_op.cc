// Driver of bf16_matmul layers: f32_matmul's layer contract (check_matmul_layer: fp32 A and B
// activations, broadcast batch dims, 1-D promotion, fp32 Y) run on bf16 tiles. The broadcast is
// resolved here once: every batch entry's A and Y offsets, and the distinct B matrices they read
// (a broadcast B is packed once per thread, not once per entry). Kernel ids: an exact variant
// (bf16_matmul_32x32__amx, ...) or the family alias bf16_matmul (the first variant at or below
// the layer's ISA).
#include <map>

#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "executor/matmul_layer.h"
#include "kernels/bf16-matmul/matmul.h"

namespace kiln {
namespace {

using bf16_matmul::BatchEntry;
using bf16_matmul::MatmulVariant;

class Bf16MatmulOp final : public Op {
 public:
  Bf16MatmulOp(const MatmulVariant& variant, const lowp_gemm::LowpVariant& gemm, bf16_matmul::MatmulParams params,
               std::vector<BatchEntry> entries, std::vector<int64_t> b_offsets, int a, int b, int y)
      : variant_(variant), gemm_(gemm), params_(params), entries_(std::move(entries)),
        b_offsets_(std::move(b_offsets)), a_(a), b_(b), y_(y) {}

  void run(const RunState& state) const override {
    bf16_matmul::MatmulParams p = params_;
    p.a = state.at<const float>(a_);
    p.b = state.at<const float>(b_);
    p.c = state.at<float>(y_);
    p.entries = entries_.data(), p.entry_count = static_cast<int64_t>(entries_.size());
    p.b_offsets = b_offsets_.data(), p.b_count = static_cast<int64_t>(b_offsets_.size());
    bf16_matmul::matmul(variant_, gemm_, p, state.pool);
  }

 private:
  const MatmulVariant& variant_;
  const lowp_gemm::LowpVariant& gemm_;
  bf16_matmul::MatmulParams params_;
  std::vector<BatchEntry> entries_;
  std::vector<int64_t> b_offsets_;
  int a_, b_, y_;
};

const MatmulVariant* resolve(const std::string& base, Isa isa) {
  if (base == "bf16_matmul") {
    for (size_t i = 0; i < bf16_matmul::variant_count(); ++i) {
      const MatmulVariant& v = bf16_matmul::variants()[i];
      if (static_cast<int>(v.isa) <= static_cast<int>(isa)) return &v;
    }
    return nullptr;
  }
  return bf16_matmul::find_variant((base + "__" + isa_name(isa)).c_str());
}

}  // namespace

std::unique_ptr<Op> make_bf16_matmul(const OpBuildArgs& args) {
  const MatmulLayer layer = check_matmul_layer(args, "bf16_matmul");
  const MatmulVariant* variant = resolve(args.base, args.isa);
  require(variant != nullptr, args, "Unknown bf16 MatMul variant.", "a tactic id listed by kernels()", args.base);
  const lowp_gemm::LowpVariant* gemm = lowp_gemm::find_variant(variant->gemm);
  require(gemm != nullptr, args, "The bf16 GEMM variant of this MatMul variant is missing.", variant->gemm, "none");
  if (args.tactic != nullptr) *args.tactic = variant->name;
  // Every combination of the batch dims, outermost first (the order of Y), and its B slot.
  std::vector<BatchEntry> entries{{0, 0, 0}};
  std::vector<int64_t> b_of_entry{0};
  for (const MatmulBatchDim& d : layer.batch) {
    std::vector<BatchEntry> next;
    std::vector<int64_t> next_b;
    next.reserve(entries.size() * d.size), next_b.reserve(entries.size() * d.size);
    for (size_t e = 0; e < entries.size(); ++e) {
      for (int64_t i = 0; i < d.size; ++i) {
        next.push_back({entries[e].a + i * d.a_stride, entries[e].c + i * d.c_stride, 0});
        next_b.push_back(b_of_entry[e] + i * d.b_stride);
      }
    }
    entries = std::move(next), b_of_entry = std::move(next_b);
  }
  std::vector<int64_t> b_offsets;
  std::map<int64_t, int64_t> slot_of;
  for (size_t e = 0; e < entries.size(); ++e) {
    const auto found = slot_of.emplace(b_of_entry[e], static_cast<int64_t>(b_offsets.size()));
    if (found.second) b_offsets.push_back(b_of_entry[e]);
    entries[e].b_slot = found.first->second;
  }
  bf16_matmul::MatmulParams p;
  p.m = layer.m, p.n = layer.n, p.k = layer.k, p.alpha = layer.alpha;
  return std::make_unique<Bf16MatmulOp>(*variant, *gemm, p, std::move(entries), std::move(b_offsets),
                                        args.layer.inputs[0], args.layer.inputs[1], args.layer.outputs[0]);
}

}  // namespace kiln
