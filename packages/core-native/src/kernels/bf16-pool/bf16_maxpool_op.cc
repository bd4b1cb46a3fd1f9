// Driver of bf16_maxpool2d_nhwc layers: inputs [x bfloat16 N,H,W,C], outputs [y bfloat16
// N,OH,OW,C], params as f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw,
// count_include_pad] (the last is ignored by max pooling). The scalar pixel is the reference.
#include <algorithm>
#include <vector>

#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/bf16-pool/maxpool.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"

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

namespace {

using bf16_pool::PoolShape;

class Bf16MaxpoolOp final : public Op {
 public:
  Bf16MaxpoolOp(bf16_pool::PixelFn pixel, PoolShape s, int x, int y) : pixel_(pixel), s_(s), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const uint16_t* x = state.at<const uint16_t>(x_);
    uint16_t* y = state.at<uint16_t>(y_);
    const PoolShape& s = s_;
    auto run_row = [&](int64_t r) {
      const int64_t n = r / s.oh, oh = r % s.oh;
      std::vector<const uint16_t*> taps(static_cast<size_t>(s.kh * s.kw));
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
        uint16_t* out = y + ((n * s.oh + oh) * s.ow + ow) * s.c;
        if (count == 0) {  // a window over padding only: -inf, as f32 max pooling gives
          std::fill(out, out + s.c, uint16_t{0xFF80});
          continue;
        }
        pixel_(taps.data(), count, s.c, out);
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
  bf16_pool::PixelFn pixel_;
  PoolShape s_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_bf16_maxpool(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kBfloat16, "input");
  require_dtype(args, args.out(0), DType::kBfloat16, "output");
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
  for (size_t i = 0; i < bf16_pool::maxpool_variant_count(); ++i) {
    const bf16_pool::MaxpoolVariant& v = bf16_pool::maxpool_variants()[i];
    if (name == v.name) return std::make_unique<Bf16MaxpoolOp>(v.pixel, s, args.layer.inputs[0], args.layer.outputs[0]);
  }
  require(false, args, "Unknown bf16_maxpool2d_nhwc variant.", "a tactic id listed by kernels()", name);
  return nullptr;
}

}  // namespace kiln
