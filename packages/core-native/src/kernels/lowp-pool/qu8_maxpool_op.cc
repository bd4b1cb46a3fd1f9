// Driver of qu8_maxpool2d_nhwc layers: inputs [x uint8 N,H,W,C], outputs [y uint8 N,OH,OW,C],
// params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad] (the
// last is ignored by max pooling). The scalar rows are the reference of the vector ones.
#include <algorithm>

#include "kernels/lowp-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_op.h"

namespace kiln {
namespace lowp_pool {
namespace {

const MaxpoolVariant kVariants[] = {
    {"qu8_maxpool2d_nhwc__avx512", Isa::kAvx512, max_rows__avx512},
    {"qu8_maxpool2d_nhwc__avx2", Isa::kAvx2, max_rows__avx2},
    {"qu8_maxpool2d_nhwc__scalar", Isa::kScalar, max_rows__scalar},
};

}  // namespace

const MaxpoolVariant* maxpool_variants() { return kVariants; }
size_t maxpool_variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

void max_rows__scalar(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end) {
  reference_rows<uint8_t>(s, x, y, begin, end, 0, [](uint8_t best, uint8_t v) { return std::max(best, v); });
}

}  // namespace lowp_pool

std::unique_ptr<Op> make_qu8_maxpool(const OpBuildArgs& args) {
  const lowp_pool::PoolShape s = lowp_pool::check_maxpool_layer(args, DType::kUint8);
  const std::string name = args.base + "__" + isa_name(args.isa);
  for (size_t i = 0; i < lowp_pool::maxpool_variant_count(); ++i) {
    const lowp_pool::MaxpoolVariant& v = lowp_pool::maxpool_variants()[i];
    if (name == v.name) {
      return std::make_unique<lowp_pool::NhwcMaxpoolOp<uint8_t>>(v.rows, s, args.layer.inputs[0], args.layer.outputs[0]);
    }
  }
  require(false, args, "Unknown qu8_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
