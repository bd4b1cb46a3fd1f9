// Driver of qu8_maxpool2d_nhwc layers: inputs [x uint8 N,H,W,C], outputs [y uint8 N,OH,OW,C],
// params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad] (the
// last is ignored by max pooling). The scalar pixel is the reference of the vector one.
#include <algorithm>
#include <vector>

#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/lowp-pool/maxpool.h"
#include "runtime/thread_pool.h"

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

namespace {

using lowp_pool::PoolShape;

class Qu8MaxpoolOp final : public Op {
 public:
  Qu8MaxpoolOp(lowp_pool::PixelFn pixel, PoolShape s, int x, int y) : pixel_(pixel), s_(s), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint8_t* x = state.at<const uint8_t>(x_);
    uint8_t* y = state.at<uint8_t>(y_);
    const PoolShape& s = s_;
    auto run_row = [&](int64_t r) {
      const int64_t n = r / s.oh, oh = r % s.oh;
      std::vector<const uint8_t*> taps(static_cast<size_t>(s.kh * s.kw));
      for (int64_t ow = 0; ow < s.ow; ++ow) {
        int64_t count = 0;
        for (int64_t kh = 0; kh < s.kh; ++kh) {
          const int64_t ih = oh * s.sh - s.pad_top + kh * s.dh;
          if (ih < 0 || ih >= s.h) continue;
          for (int64_t kw = 0; kw < s.kw; ++kw) {
            const int64_t iw = ow * s.sw - s.pad_left + kw * s.dw;
            if (iw >= 0 && iw < s.w) taps[count++] = x + ((n * s.h + ih) * s.w + iw) * s.c;
          }
        }
        pixel_(taps.data(), count, s.c, y + ((n * s.oh + oh) * s.ow + ow) * s.c);
      }
    };
    const int64_t rows = s.batch * s.oh;
    if (state.pool == nullptr || rows == 1) {
      for (int64_t r = 0; r < rows; ++r) run_row(r);
    } else {
      state.pool->parallel_for(rows, run_row);
    }
  }

 private:
  lowp_pool::PixelFn pixel_;
  PoolShape s_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_qu8_maxpool(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kUint8, "input");
  require_dtype(args, args.out(0), DType::kUint8, "output");
  require_params(args, 11, "kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad");
  const auto &xs = args.in(0).shape, &ys = args.out(0).shape;
  require(xs.size() == 4 && ys.size() == 4 && xs[0] == ys[0] && xs[3] == ys[3], args,
          "Pooling needs NHWC input and output with equal N and C.", "[N,H,W,C] -> [N,OH,OW,C]",
          shape_string(xs) + " -> " + shape_string(ys));
  int64_t p[11];
  for (int i = 0; i < 11; ++i) p[i] = param_int(args, i);
  for (int i = 0; i < 4; ++i) require(p[i] >= 1, args, "Kernel and stride must be >= 1.", ">= 1", std::to_string(p[i]));
  for (int i = 4; i < 8; ++i) require(p[i] >= 0, args, "Pads must be >= 0.", ">= 0", std::to_string(p[i]));
  require(p[8] >= 1 && p[9] >= 1, args, "Dilations must be >= 1.", ">= 1", std::to_string(std::min(p[8], p[9])));
  const PoolShape s{xs[0], xs[1], xs[2], xs[3], ys[1], ys[2], p[0], p[1], p[2], p[3], p[4], p[5], p[8], p[9]};
  require((s.oh - 1) * s.sh - s.pad_top < s.h + p[6] && (s.ow - 1) * s.sw - s.pad_left < s.w + p[7], args,
          "Output spatial size too large for the input, kernel, strides and pads.", "windows inside the padded input",
          shape_string(ys));
  const std::string name = args.base + "__" + isa_name(args.isa);
  for (size_t i = 0; i < lowp_pool::maxpool_variant_count(); ++i) {
    const lowp_pool::MaxpoolVariant& v = lowp_pool::maxpool_variants()[i];
    if (name == v.name) return std::make_unique<Qu8MaxpoolOp>(v.pixel, s, args.layer.inputs[0], args.layer.outputs[0]);
  }
  require(false, args, "Unknown qu8_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
