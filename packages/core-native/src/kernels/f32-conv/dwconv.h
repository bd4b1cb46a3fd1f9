// Internal: depthwise Conv2D (groups == in_c == out_c) over NHWC. Packed weights are
// [kernel_h * kernel_w][round_up(channels, 16)], zero-padded. Each row kernel computes output rows
// (n, oh ..) of one image with bias, residual and activation applied in registers.
#pragma once

#include "conv.h"

namespace kiln::f32_conv {

struct DwRowArgs {
  const ConvShape* shape;
  const float* input;    // image n, NHWC
  const float* weights;  // packed
  const float* bias;     // [channels] or null
  const float* residual; // the first output row's residual (NHWC) or null
  float* output;         // the first output row's start: rows x out_w x channels
  const Epilogue* epilogue;
  int64_t oh;
  int64_t rows = 1;      // output rows oh .. oh + rows - 1 (output and residual: the first one's start)
};

using DwRowFn = void (*)(const DwRowArgs& args);

// Runs a one-row kernel over each of args.rows output rows.
template <class OneRow>
inline void dw_each_row(const DwRowArgs& args, OneRow&& one_row) {
  const int64_t step = args.shape->out_w() * args.shape->out_c;
  DwRowArgs row = args;
  row.rows = 1;
  for (int64_t r = 0; r < args.rows; ++r, ++row.oh, row.output += step) {
    one_row(row);
    if (row.residual != nullptr) row.residual += step;
  }
}

void f32_dwconv_3x3__avx512(const DwRowArgs& args);
void f32_dwconv__avx512(const DwRowArgs& args);
void f32_dwconv_3x3__avx2(const DwRowArgs& args);
void f32_dwconv__avx2(const DwRowArgs& args);
void f32_dwconv__scalar(const DwRowArgs& args);

inline int64_t dw_padded_channels(int64_t channels) { return (channels + 15) / 16 * 16; }

// First and one-past-last output column whose kernel_w taps all fall inside the image.
inline void dw_interior(const ConvShape& s, int64_t* begin, int64_t* end) {
  const int64_t ow_count = s.out_w();
  int64_t lo = (s.pad_left + s.stride_w - 1) / s.stride_w;
  const int64_t span = s.in_w - 1 + s.pad_left - (s.kernel_w - 1) * s.dilation_w;
  int64_t hi = span < 0 ? 0 : span / s.stride_w + 1;
  if (lo > ow_count) lo = ow_count;
  if (hi > ow_count) hi = ow_count;
  if (hi < lo) hi = lo;
  *begin = lo;
  *end = hi;
}

// Tasks of output rows a depthwise layer splits into on `threads` (f32_dwconv, bf16_dwconv): every
// layer with a row per thread and some work splits. mobilenet_v2's 14x14 and 7x7 layers (0.8-2
// MFLOP), once kept on one thread because splitting them ran 1.5-2.7x slower (with helpers that
// parked between layers), now take half the time on two threads (14x14x384: 0.043 -> 0.019 ms in
// fp32, 0.027 -> 0.015 ms in bf16; 7x7x960: 0.034 -> 0.012-0.019 ms, per-layer minima in the engine).
inline int64_t dw_row_chunks(const ConvShape& s, int threads) {
  const int64_t rows = s.batch * s.out_h();
  const double work = 2.0 * rows * s.out_w() * s.in_c * s.kernel_h * s.kernel_w;
  if (threads <= 1 || work <= 2e5 || rows < threads) return 1;
  return rows < threads * 4 ? rows : threads * 4;
}

bool dwconv_applies(const ConvShape& shape);
bool dwconv_3x3_applies(const ConvShape& shape);
size_t dwconv_packed_size(const ConvShape& shape);
void dwconv_pack(const ConvShape& shape, const float* weights_oihw, float* packed);
void dwconv_run(DwRowFn row, const ConvShape& shape, const ConvParams& params, ThreadPool* pool);

}  // namespace kiln::f32_conv
