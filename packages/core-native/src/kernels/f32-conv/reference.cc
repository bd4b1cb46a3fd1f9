// Plain-loop Conv2D and ConvTranspose over NHWC with ONNX-layout weights: the family's oracles.
#include <cassert>
#include <cstring>
#include <vector>

#include "conv-gemm.h"
#include "kernels/f32-gemm/ukernels.h"

namespace kiln::f32_conv {

bool ConvShape::valid() const {
  return batch >= 1 && in_h >= 1 && in_w >= 1 && in_c >= 1 && out_c >= 1 && groups >= 1 &&
         in_c % groups == 0 && out_c % groups == 0 && kernel_h >= 1 && kernel_w >= 1 &&
         stride_h >= 1 && stride_w >= 1 && dilation_h >= 1 && dilation_w >= 1 && pad_top >= 0 &&
         pad_left >= 0 && pad_bottom >= 0 && pad_right >= 0 && out_h() >= 1 && out_w() >= 1;
}

bool DeconvShape::valid() const {
  return batch >= 1 && in_h >= 1 && in_w >= 1 && in_c >= 1 && out_c >= 1 && groups >= 1 &&
         in_c % groups == 0 && out_c % groups == 0 && kernel_h >= 1 && kernel_w >= 1 &&
         stride_h >= 1 && stride_w >= 1 && dilation_h >= 1 && dilation_w >= 1 && pad_top >= 0 &&
         pad_left >= 0 && pad_bottom >= 0 && pad_right >= 0 && output_padding_h >= 0 &&
         output_padding_w >= 0 && out_h() >= 1 && out_w() >= 1;
}

namespace {

void finish(float* out, int64_t channels, const float* residual, const Epilogue& ep) {
  for (int64_t c = 0; c < channels; ++c) {
    float v = out[c];
    if (ep.bias != nullptr) v += ep.bias[c];
    if (residual != nullptr) v += residual[c];
    out[c] = f32_gemm::activate_scalar(v, ep);
  }
}

}  // namespace

void conv_reference_run(const ConvShape& s, const ConvParams& p, ThreadPool*) {
  assert(s.valid() && p.input != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  std::vector<float> acc(static_cast<size_t>(s.out_c));
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oh = 0; oh < oh_count; ++oh) {
      for (int64_t ow = 0; ow < ow_count; ++ow) {
        for (int64_t co = 0; co < s.out_c; ++co) {
          const int64_t g = co / cout_g;
          float sum = 0.0f;
          for (int64_t ci = 0; ci < cin_g; ++ci) {
            for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
              const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
              if (ih < 0 || ih >= s.in_h) continue;
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t iw = ow * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (iw < 0 || iw >= s.in_w) continue;
                sum += p.input[((n * s.in_h + ih) * s.in_w + iw) * s.in_c + g * cin_g + ci] *
                       p.packed_weights[((co * cin_g + ci) * s.kernel_h + kh) * s.kernel_w + kw];
              }
            }
          }
          acc[co] = sum;
        }
        const int64_t offset = ((n * oh_count + oh) * ow_count + ow) * s.out_c;
        const float* residual = p.epilogue.residual != nullptr ? p.epilogue.residual + offset
                                                                : nullptr;
        if (residual == p.output + offset) {  // in-place residual: read it before overwriting
          for (int64_t co = 0; co < s.out_c; ++co) acc[co] += residual[co];
          residual = nullptr;
        }
        std::memcpy(p.output + offset, acc.data(), sizeof(float) * s.out_c);
        finish(p.output + offset, s.out_c, residual, p.epilogue);
      }
    }
  }
}

void deconv_reference_run(const DeconvShape& s, const ConvParams& p, ThreadPool*) {
  assert(s.valid() && p.input != nullptr && p.packed_weights != nullptr && p.output != nullptr);
  const int64_t cin_g = s.in_c / s.groups, cout_g = s.out_c / s.groups;
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  const int64_t total = s.batch * oh_count * ow_count * s.out_c;
  const bool residual_in_output = p.epilogue.residual == p.output;
  if (!residual_in_output) std::memset(p.output, 0, sizeof(float) * total);
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t ih = 0; ih < s.in_h; ++ih) {
      for (int64_t iw = 0; iw < s.in_w; ++iw) {
        for (int64_t ci = 0; ci < s.in_c; ++ci) {
          const int64_t g = ci / cin_g;
          const float x = p.input[((n * s.in_h + ih) * s.in_w + iw) * s.in_c + ci];
          for (int64_t co = 0; co < cout_g; ++co) {
            for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
              const int64_t oh = ih * s.stride_h - s.pad_top + kh * s.dilation_h;
              if (oh < 0 || oh >= oh_count) continue;
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t ow = iw * s.stride_w - s.pad_left + kw * s.dilation_w;
                if (ow < 0 || ow >= ow_count) continue;
                p.output[((n * oh_count + oh) * ow_count + ow) * s.out_c + g * cout_g + co] +=
                    x * p.packed_weights[((ci * cout_g + co) * s.kernel_h + kh) * s.kernel_w + kw];
              }
            }
          }
        }
      }
    }
  }
  for (int64_t pixel = 0; pixel < s.batch * oh_count * ow_count; ++pixel) {
    const float* residual = residual_in_output || p.epilogue.residual == nullptr
                                ? nullptr
                                : p.epilogue.residual + pixel * s.out_c;
    finish(p.output + pixel * s.out_c, s.out_c, residual, p.epilogue);
  }
}

}  // namespace kiln::f32_conv
