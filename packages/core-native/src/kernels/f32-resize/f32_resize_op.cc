// Driver of f32_resize layers (ONNX Resize, modes nearest and linear, over the last two dims of
// x [..., H, W]; leading dims are unchanged). Layer: inputs [x], outputs [y [..., OH, OW]],
// params [mode (0 nearest, 1 linear), coordinate_transformation_mode (0 half_pixel,
// 1 pytorch_half_pixel, 2 align_corners, 3 asymmetric, 4 half_pixel_symmetric), nearest_mode
// (0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil), scale_h, scale_w]. The scales are
// the ones ONNX's formulas use (the `scales` input, or output / input size when `sizes` was given),
// and optionally layout: 0 (the default) resizes the last two dims, 1 (NHWC: the builder's layout
// sinking) resizes dims 1 and 2 of x [N, H, W, C], each output pixel taking C values from its
// source pixels with the same formulas.
#include <cmath>
#include <cstring>

#include "configs/pick.h"
#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/f32-resize/variants.h"

namespace kiln {
namespace {

struct AxisMap {
  std::vector<int32_t> i0, i1;
  std::vector<float> weight;
};

double original_coordinate(int64_t mode, int64_t x, double scale, int64_t out_len, int64_t in_len) {
  switch (mode) {
    case 1: return out_len > 1 ? (x + 0.5) / scale - 0.5 : 0.0;
    case 2: return out_len == 1 ? 0.0 : static_cast<double>(x) * (in_len - 1) / (out_len - 1);
    case 3: return x / scale;
    case 4: {
      const double adjustment = out_len / (scale * in_len), center = in_len / 2.0;
      return center * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    default: return (x + 0.5) / scale - 0.5;
  }
}

AxisMap map_axis(int64_t mode, int64_t coordinate_mode, int64_t nearest_mode, double scale, int64_t out_len,
                 int64_t in_len) {
  AxisMap map;
  const auto clamp = [&](double v) { return static_cast<int32_t>(std::min<double>(std::max(v, 0.0), in_len - 1)); };
  for (int64_t x = 0; x < out_len; ++x) {
    const double c = original_coordinate(coordinate_mode, x, scale, out_len, in_len);
    const double f = std::floor(c);
    if (mode == 0) {
      double r;
      switch (nearest_mode) {
        case 1: r = c - f == 0.5 ? f + 1 : std::round(c); break;
        case 2: r = f; break;
        case 3: r = std::ceil(c); break;
        default: r = c - f == 0.5 ? f : std::round(c); break;
      }
      map.i0.push_back(clamp(r));
    } else {
      map.i0.push_back(clamp(f));
      map.i1.push_back(clamp(f + 1));
      map.weight.push_back(static_cast<float>(c - f));
    }
  }
  return map;
}

class F32ResizeOp final : public Op {
 public:
  F32ResizeOp(const F32ResizeVariant& kernel, bool linear, int64_t planes, int64_t in_h, int64_t in_w, AxisMap rows,
              AxisMap columns, int x, int y)
      : kernel_(kernel), linear_(linear), planes_(planes), in_h_(in_h), in_w_(in_w), rows_(std::move(rows)),
        columns_(std::move(columns)), x_(x), y_(y) {}

  // NHWC: `channels` values per pixel (0: the NCHW-style last-two-dims layout).
  void set_channels(int64_t channels) { channels_ = channels; }

  void run(const RunState& state) const override {
    const float* x = state.at<const float>(x_);
    float* y = state.at<float>(y_);
    if (channels_ > 0) return run_nhwc(x, y, state.pool);
    const int64_t out_h = static_cast<int64_t>(rows_.i0.size()), out_w = static_cast<int64_t>(columns_.i0.size());
    parallel_chunks(state.pool, planes_ * out_h, std::max<int64_t>(1, 8192 / out_w), [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t p = item / out_h, r = item % out_h;
        const float* plane = x + p * in_h_ * in_w_;
        float* out = y + item * out_w;
        if (!linear_) {
          kernel_.nearest(out_w, plane + rows_.i0[r] * in_w_, columns_.i0.data(), out);
        } else {
          kernel_.linear(out_w, plane + rows_.i0[r] * in_w_, plane + rows_.i1[r] * in_w_, rows_.weight[r],
                         columns_.i0.data(), columns_.i1.data(), columns_.weight.data(), out);
        }
      }
    });
  }

 private:
  // Rows of [N, OH, OW, C] over the pool: the variant's NHWC row kernels (per pixel, C values).
  void run_nhwc(const float* x, float* y, ThreadPool* pool) const {
    const int64_t c = channels_, out_h = static_cast<int64_t>(rows_.i0.size()), out_w = static_cast<int64_t>(columns_.i0.size());
    parallel_chunks(pool, planes_ * out_h, std::max<int64_t>(1, 8192 / (out_w * c)), [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t n = item / out_h, r = item % out_h;
        const float* image = x + n * in_h_ * in_w_ * c;
        float* out = y + item * out_w * c;
        if (!linear_) {
          kernel_.nearest_nhwc(c, out_w, image + rows_.i0[r] * in_w_ * c, columns_.i0.data(), out);
        } else {
          kernel_.linear_nhwc(c, out_w, image + rows_.i0[r] * in_w_ * c, image + rows_.i1[r] * in_w_ * c, rows_.weight[r],
                              columns_.i0.data(), columns_.i1.data(), columns_.weight.data(), out);
        }
      }
    });
  }

  const F32ResizeVariant& kernel_;
  bool linear_;
  int64_t planes_, in_h_, in_w_, channels_ = 0;
  AxisMap rows_, columns_;
  int x_, y_;
};

}  // namespace

std::unique_ptr<Op> make_f32_resize(const OpBuildArgs& args) {
  require_arity(args, 1, 1, 1);
  require(args.layer.params.size() == 5 || args.layer.params.size() == 6, args, "Wrong number of params.",
          "mode, coordinate_transformation_mode, nearest_mode, scale_h, scale_w[, layout]",
          std::to_string(args.layer.params.size()) + " params");
  const int64_t layout = args.layer.params.size() == 6 ? param_int(args, 5) : 0;
  require(layout == 0 || layout == 1, args, "Unknown resize layout.", "0 (last two dims) or 1 (NHWC)",
          std::to_string(layout));
  const bool nhwc = layout == 1;
  const TensorDesc &x = args.in(0), &y = args.out(0);
  require_dtype(args, x, DType::kFloat32, "input");
  require_dtype(args, y, DType::kFloat32, "output");
  const size_t rank = x.shape.size();
  require(rank >= 2 && y.shape.size() == rank, args, "Resize input and output must have one rank >= 2.",
          "rank >= 2", shape_string(x.shape) + " -> " + shape_string(y.shape));
  // The two resized dims: H and W of [.., H, W], or of [N, H, W, C].
  const size_t hd = nhwc ? 1 : rank - 2, wd = hd + 1;
  require(!nhwc || rank == 4, args, "An NHWC resize takes a 4-D tensor.", "[N, H, W, C]", shape_string(x.shape));
  for (size_t d = 0; d < rank; ++d) {
    require(d == hd || d == wd || x.shape[d] == y.shape[d], args, "Resize changes only H and W.",
            shape_string(x.shape), shape_string(y.shape));
  }
  const int64_t mode = param_int(args, 0), coordinate_mode = param_int(args, 1), nearest_mode = param_int(args, 2);
  require(mode == 0 || mode == 1, args, "Unknown resize mode.", "0 nearest or 1 linear", std::to_string(mode));
  require(coordinate_mode >= 0 && coordinate_mode <= 4, args, "Unknown coordinate transformation mode.", "0..4",
          std::to_string(coordinate_mode));
  require(nearest_mode >= 0 && nearest_mode <= 3, args, "Unknown nearest mode.", "0..3", std::to_string(nearest_mode));
  const double scale_h = args.layer.params[3], scale_w = args.layer.params[4];
  require(std::isfinite(scale_h) && std::isfinite(scale_w) && scale_h > 0 && scale_w > 0, args,
          "Resize scales must be finite and positive.", "> 0", std::to_string(scale_h) + ", " + std::to_string(scale_w));
  const int64_t in_h = x.shape[hd], in_w = x.shape[wd], out_h = y.shape[hd], out_w = y.shape[wd];
  require(in_h < INT32_MAX && in_w < INT32_MAX, args, "Resize dims too large.", "< 2^31", shape_string(x.shape));
  auto op = std::make_unique<F32ResizeOp>(pick_variant(kF32ResizeVariants, args.isa), mode == 1,
                                          nhwc ? x.shape[0] : product(x.shape, 0, rank - 2), in_h, in_w,
                                          map_axis(mode, coordinate_mode, nearest_mode, scale_h, out_h, in_h),
                                          map_axis(mode, coordinate_mode, nearest_mode, scale_w, out_w, in_w),
                                          args.layer.inputs[0], args.layer.outputs[0]);
  if (nhwc) op->set_channels(x.shape[3]);
  return op;
}

}  // namespace kiln
