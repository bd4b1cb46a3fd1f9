// bf16_conv_nchw_32x32__amx (the NCHW stem on AMX tiles) against a double-precision reference on
// the same bf16-rounded operands: input and weights rounded by float_to_bf16, products summed,
// bias, residual and activation, the output rounded once; so the tolerance is one bf16 rounding of
// the output (and fp32 summation). Shapes around its tiles: 1-4 input channels, strides, pads
// (asymmetric), dilation along H, several 32-pixel blocks per row, output channels that leave a
// half or a partial panel, batch 2, ReLU / Clip / Sigmoid / none, bias and an fp32 residual,
// dense and strided outputs, 1 and 2 threads. Skipped where AMX is absent.
#include <cmath>
#include <cstdlib>
#include <vector>

#include "kernels/f32-conv/stem.h"
#include "kernels/f32-gemm/ukernels.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using f32_conv::ConvShape;
using f32_gemm::Activation;

struct Case {
  const char* label;
  int64_t n, c, h, w, oc, kh, kw, sh, sw, dh;
  int64_t pad_top, pad_left, pad_bottom, pad_right;
};

const Case kCases[] = {
    {"mobilenet-like 3x3 s2 pad 1, 3 -> 32", 1, 3, 57, 61, 32, 3, 3, 2, 2, 1, 1, 1, 1, 1},
    {"squeezenet-like 3x3 s2, 3 -> 64", 1, 3, 25, 71, 64, 3, 3, 2, 2, 1, 0, 0, 0, 0},
    {"1 channel 5x5 pad 2, -> 17", 1, 1, 13, 14, 17, 5, 5, 1, 1, 1, 2, 2, 2, 2},
    {"2 channels 3x3 stride 3, batch 2, -> 5", 2, 2, 16, 19, 5, 3, 3, 3, 3, 1, 1, 0, 1, 2},
    {"4 channels 7x7 s2 pad 3, -> 70", 1, 4, 21, 27, 70, 7, 7, 2, 2, 1, 3, 3, 3, 3},
    {"3 channels 3x2 stride 4x1 asymmetric pads, -> 33", 1, 3, 19, 13, 33, 3, 2, 4, 1, 1, 0, 2, 1, 0},
    {"3 channels dilation 2 along H, 40 wide rows, -> 48", 1, 3, 15, 80, 48, 3, 3, 1, 1, 2, 2, 1, 2, 1},
    {"1x1, 4 channels, -> 100", 1, 4, 6, 37, 100, 1, 1, 1, 1, 1, 0, 0, 0, 0},
    {"8 wide taps, stride 8, -> 16", 1, 3, 9, 70, 16, 2, 8, 1, 8, 1, 0, 0, 0, 0},
    {"single output pixel, 2 -> 9", 1, 2, 3, 3, 9, 3, 3, 1, 1, 1, 0, 0, 0, 0},
};

ConvShape shape_of(const Case& c) {
  ConvShape s;
  s.batch = c.n, s.in_c = c.c, s.in_h = c.h, s.in_w = c.w, s.out_c = c.oc, s.groups = 1;
  s.kernel_h = c.kh, s.kernel_w = c.kw, s.stride_h = c.sh, s.stride_w = c.sw, s.dilation_h = c.dh, s.dilation_w = 1;
  s.pad_top = c.pad_top, s.pad_left = c.pad_left, s.pad_bottom = c.pad_bottom, s.pad_right = c.pad_right;
  return s;
}

float rounded(float x) { return lowp_gemm::bf16_to_float(lowp_gemm::float_to_bf16(x)); }

// The double-precision sums of the rounded operands, then the fp32 epilogue (NHWC, dense).
std::vector<float> reference(const ConvShape& s, const float* x, const float* w, const f32_gemm::Epilogue& e) {
  const int64_t oh_count = s.out_h(), ow_count = s.out_w();
  std::vector<float> y(static_cast<size_t>(s.batch * oh_count * ow_count * s.out_c));
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oh = 0; oh < oh_count; ++oh) {
      for (int64_t ow = 0; ow < ow_count; ++ow) {
        const int64_t at = ((n * oh_count + oh) * ow_count + ow) * s.out_c;
        for (int64_t co = 0; co < s.out_c; ++co) {
          double sum = 0.0;
          for (int64_t ci = 0; ci < s.in_c; ++ci) {
            for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
              const int64_t ih = oh * s.stride_h - s.pad_top + kh * s.dilation_h;
              if (ih < 0 || ih >= s.in_h) continue;
              for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
                const int64_t iw = ow * s.stride_w - s.pad_left + kw;
                if (iw < 0 || iw >= s.in_w) continue;
                sum += static_cast<double>(rounded(x[((n * s.in_c + ci) * s.in_h + ih) * s.in_w + iw])) *
                       rounded(w[((co * s.in_c + ci) * s.kernel_h + kh) * s.kernel_w + kw]);
              }
            }
          }
          float v = static_cast<float>(sum);
          if (e.bias != nullptr) v += e.bias[co];
          if (e.residual != nullptr) v += e.residual[at + co];
          y[at + co] = f32_gemm::activate_scalar(v, e);
        }
      }
    }
  }
  return y;
}

}  // namespace

void run_stem_amx_tests(Tally& tally) {
  const f32_conv::NchwConvVariant* v = f32_conv::find_nchw_conv_variant("bf16_conv_nchw_32x32__amx");
  if (v == nullptr || !host_supports(v->isa)) {
    ++tally.skipped;
    return;
  }
  const Activation activations[] = {Activation::kRelu, Activation::kClip, Activation::kNone, Activation::kSigmoid};
  int mix = 0;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    for (const Case& c : kCases) {
      const ConvShape s = shape_of(c);
      ++mix;
      if (!f32_conv::nchw_conv_variant_applies(*v, s)) {
        ++tally.failed, std::printf("FAIL stem amx %s: does not apply\n", c.label);
        continue;
      }
      const int64_t pixels = s.batch * s.out_h() * s.out_w(), out = pixels * s.out_c;
      Buffer x = random_buffer(s.batch * s.in_c * s.in_h * s.in_w);
      Buffer w = random_buffer(s.out_c * s.in_c * s.kernel_h * s.kernel_w);
      Buffer bias = random_buffer(s.out_c), residual = random_buffer(out);
      Buffer packed = aligned_buffer(f32_conv::amx_stem_packed_size(s));
      f32_conv::amx_stem_pack(s, w.get(), packed.get());
      f32_gemm::Epilogue e;
      e.activation = activations[mix % 4];
      e.alpha = 0.0f, e.beta = 0.5f;  // Clip(0, 0.5): clamps often
      if (mix % 2 == 0) e.bias = bias.get();
      if (mix % 3 == 1) e.residual = residual.get();
      const std::vector<float> want = reference(s, x.get(), w.get(), e);
      // Dense, then a channel range of a wider tensor (3 channels more), whose gaps must stay as they were.
      for (int64_t stride : {s.out_c, s.out_c + 3}) {
        std::vector<uint16_t> y(static_cast<size_t>(pixels * stride), 0x7fc1);
        f32_conv::ConvParams p;
        p.input = x.get(), p.packed_weights = packed.get(), p.epilogue = e;
        p.output_stride = stride == s.out_c ? 0 : stride;
        f32_conv::nchw_conv_run_bf16(*v, s, p, y.data(), threads > 1 ? &pool : nullptr);
        std::vector<float> got(static_cast<size_t>(out));
        bool gaps = true;
        for (int64_t i = 0; i < pixels; ++i) {
          for (int64_t co = 0; co < s.out_c; ++co) got[i * s.out_c + co] = lowp_gemm::bf16_to_float(y[i * stride + co]);
          for (int64_t co = s.out_c; co < stride; ++co) gaps = gaps && y[i * stride + co] == 0x7fc1;
        }
        const std::string what = format("stem amx %s, act %d bias %d residual %d stride %lld threads %d", c.label,
                                        static_cast<int>(e.activation), e.bias != nullptr, e.residual != nullptr,
                                        static_cast<long long>(stride), threads);
        expect_close(tally, what, got.data(), s.out_c, want.data(), s.out_c, pixels, s.out_c, 1e-4, 8e-3);
        if (!gaps) ++tally.failed, std::printf("FAIL %s: wrote between output pixels\n", what.c_str());
      }
    }
  }
  // Dilation along W does not apply (a tap row's pixels must be adjacent).
  ConvShape dilated = shape_of(kCases[0]);
  dilated.dilation_w = 2;
  if (f32_conv::nchw_conv_variant_applies(*v, dilated)) ++tally.failed, std::printf("FAIL stem amx: applies to dilation_w 2\n");
}

}  // namespace kiln::test
