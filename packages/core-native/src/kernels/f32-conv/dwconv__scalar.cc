// Scalar depthwise Conv2D row: plain loops, any kernel size, stride, dilation and padding.
#include <cassert>

#include "dwconv.h"
#include "kernels/f32-gemm/ukernels.h"

namespace kiln::f32_conv {
namespace {

void one_row(const DwRowArgs& r) {
  const ConvShape& s = *r.shape;
  assert(s.groups == s.in_c && s.out_c == s.in_c && r.output != nullptr);
  const int64_t channels = s.in_c, cpad = dw_padded_channels(channels), ow_count = s.out_w();
  for (int64_t ow = 0; ow < ow_count; ++ow) {
    float* out = r.output + ow * channels;
    for (int64_t c = 0; c < channels; ++c) out[c] = r.bias != nullptr ? r.bias[c] : 0.0f;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = r.oh * s.stride_h - s.pad_top + kh * s.dilation_h;
      if (ih < 0 || ih >= s.in_h) continue;
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
        if (iw < 0 || iw >= s.in_w) continue;
        const float* x = r.input + (ih * s.in_w + iw) * channels;
        const float* w = r.weights + (kh * s.kernel_w + kw) * cpad;
        for (int64_t c = 0; c < channels; ++c) out[c] += x[c] * w[c];
      }
    }
    const float* residual = r.residual != nullptr ? r.residual + ow * channels : nullptr;
    for (int64_t c = 0; c < channels; ++c) {
      const float v = residual != nullptr ? out[c] + residual[c] : out[c];
      out[c] = f32_gemm::activate_scalar(v, *r.epilogue);
    }
  }
}

}  // namespace

void f32_dwconv__scalar(const DwRowArgs& args) { dw_each_row(args, one_row); }

}  // namespace kiln::f32_conv
