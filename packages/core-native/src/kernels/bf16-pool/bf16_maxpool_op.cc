// Driver of bf16_maxpool2d_nhwc layers: inputs [x bfloat16 N,H,W,C], outputs [y bfloat16
// N,OH,OW,C], params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw,
// count_include_pad] (the last is ignored by max pooling). The scalar pixel is the reference.
#include <algorithm>

#include "kernels/bf16-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_op.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln {
namespace bf16_pool {
namespace {

const MaxpoolVariant kVariants[] = {
    {"bf16_maxpool2d_nhwc__avx512", Isa::kAvx512, max_pixel__avx512},
    {"bf16_maxpool2d_nhwc__scalar", Isa::kScalar, max_pixel__scalar},
};

}  // namespace

const MaxpoolVariant* maxpool_variants() { return kVariants; }
size_t maxpool_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

void max_pixel__scalar(const uint16_t* const* taps, int64_t count, int64_t c, uint16_t* y) {
  for (int64_t i = 0; i < c; ++i) {
    uint16_t best = taps[0][i];
    for (int64_t t = 1; t < count; ++t) {
      if (lowp_gemm::bf16_to_float(taps[t][i]) > lowp_gemm::bf16_to_float(best)) best = taps[t][i];
    }
    y[i] = best;
  }
}

}  // namespace bf16_pool

// A window over padding only gives -inf, as f32 max pooling does.
constexpr uint16_t kBf16NegativeInfinity = 0xFF80;

std::unique_ptr<Op> make_bf16_maxpool(const OpBuildArgs& args) {
  const lowp_pool::PoolShape s = lowp_pool::check_maxpool_layer(args, DType::kBfloat16);
  const std::string name = args.base + "__" + isa_name(args.isa);
  for (size_t i = 0; i < bf16_pool::maxpool_variant_count(); ++i) {
    const bf16_pool::MaxpoolVariant& v = bf16_pool::maxpool_variants()[i];
    if (name == v.name) {
      return std::make_unique<lowp_pool::NhwcMaxpoolOp<uint16_t>>(v.pixel, kBf16NegativeInfinity, s, args.layer.inputs[0],
                                                             args.layer.outputs[0]);
    }
  }
  require(false, args, "Unknown bf16_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
