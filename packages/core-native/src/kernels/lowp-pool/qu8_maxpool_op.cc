// Driver of qu8_maxpool2d_nhwc layers: inputs [x uint8 N,H,W,C], outputs [y uint8 N,OH,OW,C],
// params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad] (the
// last is ignored by max pooling). The scalar pixel is the reference of the vector one.
#include <algorithm>

#include "kernels/lowp-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_op.h"

namespace kiln {
namespace lowp_pool {
namespace {

const MaxpoolVariant kVariants[] = {
    {"qu8_maxpool2d_nhwc__avx512", Isa::kAvx512, max_pixel__avx512},
    {"qu8_maxpool2d_nhwc__scalar", Isa::kScalar, max_pixel__scalar},
};

}  // namespace

const MaxpoolVariant* maxpool_variants() { return kVariants; }
size_t maxpool_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

void max_pixel__scalar(const uint8_t* const* taps, int64_t count, int64_t c, uint8_t* y) {
  for (int64_t i = 0; i < c; ++i) {
    uint8_t best = 0;
    for (int64_t t = 0; t < count; ++t) best = std::max(best, taps[t][i]);
    y[i] = best;
  }
}

}  // namespace lowp_pool

std::unique_ptr<Op> make_qu8_maxpool(const OpBuildArgs& args) {
  const lowp_pool::PoolShape s = lowp_pool::check_maxpool_layer(args, DType::kUint8);
  const std::string name = args.base + "__" + isa_name(args.isa);
  for (size_t i = 0; i < lowp_pool::maxpool_variant_count(); ++i) {
    const lowp_pool::MaxpoolVariant& v = lowp_pool::maxpool_variants()[i];
    if (name == v.name) {
      return std::make_unique<lowp_pool::NhwcMaxpoolOp<uint8_t>>(v.pixel, uint8_t{0}, s, args.layer.inputs[0],
                                                             args.layer.outputs[0]);
    }
  }
  require(false, args, "Unknown qu8_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
