// f32 pooling on NCHW (vectorized along each output row: pool_nchw.h), and on NHWC (vectorized
// over the channels of each input pixel: pool_nhwc.h; the vector variants' max pooling runs whole
// rows through lowp_pool::NhwcMaxpoolOp).
//   f32_maxpool2d_nhwc / f32_avgpool2d_nhwc: inputs [x N,H,W,C], outputs [y N,OH,OW,C], the same
//     params as the NCHW layers.
//   f32_maxpool2d / f32_avgpool2d: inputs [x N,C,H,W], outputs [y N,C,OH,OW],
//     params [kh, kw, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right, dilation_h,
//             dilation_w, count_include_pad (avg only; 0/1)]
//   f32_globalmaxpool / f32_globalavgpool: inputs [x N,C,...], outputs [y N,C,1,...], no params.
// The output size is the runtime's (ceil_mode is expressed by OH/OW); windows are clipped to the
// input, and for average pooling with count_include_pad the divisor counts padding inside
// [-pad, H + pad_end) as ONNX does.
#include <limits>
#include <vector>

#include "configs/pick.h"

#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-pool/pool_nchw.h"
#include "kernels/f32-pool/pool_nhwc.h"
#include "kernels/lowp-pool/maxpool_op.h"

namespace kiln {
namespace {

// One task = a run of planes; a plane small enough is grouped with others (tiny layers, one core).
class F32Pool2dOp final : public Op {
 public:
  F32Pool2dOp(const F32PoolNchwVariant& kernel, PoolGeometry g, int x, int y)
      : kernel_(kernel), g_(g), column_taps_(pool_column_taps(g)), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    const PoolGeometry& g = g_;
    const int64_t work = std::max<int64_t>(1, g.oh * g.ow * g.kh * g.kw);
    parallel_chunks(state.pool, g.n * g.c, std::max<int64_t>(1, 16384 / work), [&](int64_t begin, int64_t end) {
      for (int64_t plane = begin; plane < end; ++plane) {
        kernel_.plane(g, x + plane * g.h * g.w, y + plane * g.oh * g.ow, column_taps_.data());
      }
    });
  }

 private:
  const F32PoolNchwVariant& kernel_;
  PoolGeometry g_;
  std::vector<float> column_taps_;
  int x_, y_;
};

class F32GlobalPoolOp final : public Op {
 public:
  F32GlobalPoolOp(const F32PoolNchwVariant& kernel, bool max, int64_t planes, int64_t spatial, int x, int y)
      : kernel_(kernel), max_(max), planes_(planes), spatial_(spatial), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    parallel_chunks(state.pool, planes_, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, spatial_)),
                    [&](int64_t begin, int64_t end) {
                      for (int64_t p = begin; p < end; ++p) y[p] = kernel_.global(max_, x + p * spatial_, spatial_);
                    });
  }

 private:
  const F32PoolNchwVariant& kernel_;
  bool max_;
  int64_t planes_, spatial_;
  int x_, y_;
};

class F32Pool2dNhwcOp final : public Op {
 public:
  F32Pool2dNhwcOp(const F32PoolNhwcVariant& kernel, PoolGeometry g, int x, int y)
      : kernel_(kernel), g_(g), x_(x), y_(y) {}

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    const PoolGeometry& g = g_;
    const int64_t rows = g.n * g.oh;  // one task = one output row of OW pixels
    const int64_t grain = std::max<int64_t>(1, 4096 / std::max<int64_t>(1, g.ow * g.c));
    parallel_chunks(state.pool, rows, grain, [&](int64_t begin, int64_t end) {
      std::vector<const float*> taps(static_cast<size_t>(g.kh * g.kw));
      for (int64_t row = begin; row < end; ++row) {
        const int64_t n = row / g.oh, oy = row % g.oh;
        for (int64_t ox = 0; ox < g.ow; ++ox) {
          size_t count = 0;
          int64_t padded = 0;
          for (int64_t ky = 0; ky < g.kh; ++ky) {
            const int64_t iy = oy * g.sh - g.pt + ky * g.dh;
            for (int64_t kx = 0; kx < g.kw; ++kx) {
              const int64_t ix = ox * g.sw - g.pl + kx * g.dw;
              if (iy >= -g.pt && iy < g.h + g.pb && ix >= -g.pl && ix < g.w + g.pr) ++padded;
              if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
              taps[count++] = x + ((n * g.h + iy) * g.w + ix) * g.c;
            }
          }
          const int64_t divisor = std::max<int64_t>(1, g.include_pad ? padded : static_cast<int64_t>(count));
          kernel_.pixel(g.max, taps.data(), count, static_cast<size_t>(g.c), 1.0f / static_cast<float>(divisor),
                        y + (row * g.ow + ox) * g.c);
        }
      }
    });
  }

 private:
  const F32PoolNhwcVariant& kernel_;
  PoolGeometry g_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_pool2d(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), DType::kFloat32, "input");
  require_dtype(args, args.out(0), DType::kFloat32, "output");
  const auto& xs = args.in(0).shape;
  const auto& ys = args.out(0).shape;
  const bool global = args.base == "f32_globalmaxpool" || args.base == "f32_globalavgpool";
  const bool nhwc = args.base == "f32_maxpool2d_nhwc" || args.base == "f32_avgpool2d_nhwc";
  PoolGeometry g{};
  g.max = args.base == "f32_maxpool2d" || args.base == "f32_globalmaxpool" || args.base == "f32_maxpool2d_nhwc";
  if (global) {
    require_params(args, 0, "none");
    require(xs.size() >= 2, args, "Global pooling needs N,C,... input.", "rank >= 2", shape_string(xs));
    require(ys.size() == xs.size() && ys[0] == xs[0] && ys[1] == xs[1] && args.out(0).elements == xs[0] * xs[1], args,
            "Global pooling output must be [N, C, 1, ...].", "[" + std::to_string(xs[0]) + "," + std::to_string(xs[1]) + ",1...]",
            shape_string(ys));
    return std::make_unique<F32GlobalPoolOp>(pick_variant(kF32PoolNchwVariants, args.isa), g.max, xs[0] * xs[1],
                                             product(xs, 2, xs.size()), args.layer.inputs[0], args.layer.outputs[0]);
  }
  require_params(args, 11, "kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad");
  const size_t c_axis = nhwc ? 3 : 1, h_axis = nhwc ? 1 : 2;
  require(xs.size() == 4 && ys.size() == 4 && xs[0] == ys[0] && xs[c_axis] == ys[c_axis], args,
          nhwc ? "Pooling needs NHWC input and output with equal N and C." : "Pooling needs NCHW input and output with equal N and C.",
          nhwc ? "[N,H,W,C] -> [N,OH,OW,C]" : "[N,C,H,W] -> [N,C,OH,OW]", shape_string(xs) + " -> " + shape_string(ys));
  int64_t p[11];
  for (int i = 0; i < 11; ++i) p[i] = param_int(args, i);
  for (int i = 0; i < 4; ++i) require(p[i] >= 1, args, "Kernel and stride must be >= 1.", ">= 1", std::to_string(p[i]));
  for (int i = 4; i < 8; ++i) require(p[i] >= 0, args, "Pads must be >= 0.", ">= 0", std::to_string(p[i]));
  require(p[8] >= 1 && p[9] >= 1, args, "Dilations must be >= 1.", ">= 1", std::to_string(std::min(p[8], p[9])));
  g = PoolGeometry{xs[0], xs[c_axis], xs[h_axis], xs[h_axis + 1], ys[h_axis], ys[h_axis + 1], p[0], p[1], p[2], p[3],
                   p[4], p[5], p[6], p[7], p[8], p[9], g.max, p[10] != 0};
  // Every output window must start inside the padded input (otherwise OH/OW is inconsistent).
  require((g.oh - 1) * g.sh - g.pt < g.h + g.pb && (g.ow - 1) * g.sw - g.pl < g.w + g.pr, args,
          "Output spatial size too large for the input, kernel, strides and pads.", "windows inside the padded input",
          shape_string(ys));
  if (nhwc) {
    const F32PoolNhwcVariant& variant = pick_variant(kF32PoolNhwcVariants, args.isa);
    if (g.max && variant.max_rows != nullptr) {
      const lowp_pool::PoolShape s{g.n, g.h, g.w, g.c, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw};
      return std::make_unique<lowp_pool::NhwcMaxpoolOp<float>>(variant.max_rows, s, args.layer.inputs[0],
                                                               args.layer.outputs[0]);
    }
    return std::make_unique<F32Pool2dNhwcOp>(variant, g, args.layer.inputs[0],
                                             args.layer.outputs[0]);
  }
  return std::make_unique<F32Pool2dOp>(pick_variant(kF32PoolNchwVariants, args.isa), g, args.layer.inputs[0],
                                       args.layer.outputs[0]);
}

}  // namespace kiln
