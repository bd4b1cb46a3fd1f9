// Driver of bf16_maxpool2d_nhwc layers: inputs [x bfloat16 N,H,W,C], outputs [y bfloat16
// N,OH,OW,C], params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw,
// count_include_pad] (the last is ignored by max pooling). The scalar rows are the reference.
#include <algorithm>

#include "kernels/bf16-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_op.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln {
namespace bf16_pool {
namespace {

const MaxpoolVariant kVariants[] = {
    {"bf16_maxpool2d_nhwc__avx512", Isa::kAvx512, max_rows__avx512},
    {"bf16_maxpool2d_nhwc__scalar", Isa::kScalar, max_rows__scalar},
};

}  // namespace

const MaxpoolVariant* maxpool_variants() { return kVariants; }
size_t maxpool_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

// A tap replaces the max only when strictly greater as a float: the first of equal taps (or a
// leading NaN) stays.
void max_rows__scalar(const PoolShape& s, const uint16_t* x, uint16_t* y, int64_t begin, int64_t end) {
  lowp_pool::reference_rows<uint16_t>(s, x, y, begin, end, kNegativeInfinity, [](uint16_t best, uint16_t v) {
    return lowp_gemm::bf16_to_float(v) > lowp_gemm::bf16_to_float(best) ? v : best;
  });
}

}  // namespace bf16_pool

std::unique_ptr<Op> make_bf16_maxpool(const OpBuildArgs& args) {
  const lowp_pool::PoolShape s = lowp_pool::check_maxpool_layer(args, DType::kBfloat16);
  const std::string name = args.base + "__" + isa_name(args.isa);
  for (size_t i = 0; i < bf16_pool::maxpool_variant_count(); ++i) {
    const bf16_pool::MaxpoolVariant& v = bf16_pool::maxpool_variants()[i];
    if (name == v.name) {
      return std::make_unique<lowp_pool::NhwcMaxpoolOp<uint16_t>>(v.rows, s, args.layer.inputs[0], args.layer.outputs[0]);
    }
  }
  require(false, args, "Unknown bf16_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
