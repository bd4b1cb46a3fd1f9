// The layer driver shared by the NHWC max pooling families over narrow activations
// (qu8_maxpool2d_nhwc over uint8, bf16_maxpool2d_nhwc over bf16 bits): params as
// f32_maxpool2d_nhwc's [kh, kw, sh, sw, pad t/l/b/r, dh, dw, count_include_pad] (the last is
// ignored by max pooling); output rows split over the pool in contiguous runs; a family gives its
// element type and its rows functions (maxpool_rows.h for the vector ones, reference_rows for the
// scalar oracle). f32_maxpool2d_nhwc's vector variants run through the same op.
#pragma once

#include <algorithm>
#include <memory>
#include <string>

#include "executor/factories.h"
#include "executor/kernel_util.h"
#include "kernels/lowp-pool/maxpool.h"
#include "runtime/thread_pool.h"

namespace kiln::lowp_pool {

template <typename T>
class NhwcMaxpoolOp final : public Op {
 public:
  NhwcMaxpoolOp(RowsFn<T> rows, PoolShape s, int x, int y) : rows_(rows), s_(s), x_(x), y_(y) {}

  // Output rows in contiguous runs, at least about 16 KiB of output each (smaller layers stay on
  // one thread: waking a helper costs more than they take).
  void run(const RunState& state) const override {
    const T* x = state.at<const T>(x_);
    T* y = state.at<T>(y_);
    const int64_t rows = s_.batch * s_.oh;
    const int64_t row_bytes = std::max<int64_t>(1, s_.ow * s_.c * static_cast<int64_t>(sizeof(T)));
    const int64_t grain = std::max<int64_t>(1, 16384 / row_bytes);
    if (state.pool == nullptr || rows <= grain) {
      rows_(s_, x, y, 0, rows);
      return;
    }
    parallel_chunks(state.pool, rows, grain, [&](int64_t begin, int64_t end) { rows_(s_, x, y, begin, end); });
  }

 private:
  RowsFn<T> rows_;
  PoolShape s_;
  int x_, y_;
};

// The scalar reference rows: every output pixel on its own, taps in ky, kx order; `fold(acc, tap)`
// gives the new max, the first valid tap starts it, a window over padding only gives `empty`.
template <typename T, class Fold>
void reference_rows(const PoolShape& s, const T* x, T* y, int64_t begin, int64_t end, T empty, Fold fold) {
  for (int64_t r = begin; r < end; ++r) {
    const int64_t n = r / s.oh, oh = r % s.oh;
    for (int64_t ow = 0; ow < s.ow; ++ow) {
      T* out = y + (r * s.ow + ow) * s.c;
      for (int64_t i = 0; i < s.c; ++i) {
        bool any = false;
        T best = empty;
        for (int64_t kh = 0; kh < s.kh; ++kh) {
          const int64_t ih = oh * s.sh - s.pad_top + kh * s.dh;
          if (ih < 0 || ih >= s.h) continue;
          for (int64_t kw = 0; kw < s.kw; ++kw) {
            const int64_t iw = ow * s.sw - s.pad_left + kw * s.dw;
            if (iw < 0 || iw >= s.w) continue;
            const T v = x[((n * s.h + ih) * s.w + iw) * s.c + i];
            best = any ? fold(best, v) : v;
            any = true;
          }
        }
        out[i] = best;
      }
    }
  }
}

// Checks a max pooling layer over `dtype` NHWC tensors and returns its shape.
inline PoolShape check_maxpool_layer(const OpBuildArgs& args, DType dtype) {
  require_arity(args, 1, 1, 1);
  require_dtype(args, args.in(0), dtype, "input");
  require_dtype(args, args.out(0), dtype, "output");
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
  return s;
}

}  // namespace kiln::lowp_pool
