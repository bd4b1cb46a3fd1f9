// f32 convolution family tests: every fast Conv2D / ConvTranspose variant vs the plain-loop
// reference over kernel sizes, strides, dilations, asymmetric pads, groups, odd spatial sizes
// and every epilogue; threaded runs; NCHW <-> NHWC round trip.
#include <cstring>
#include <type_traits>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv/variants.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using f32_conv::ConvShape;
using f32_conv::DeconvShape;
using f32_gemm::Activation;

constexpr Activation kActivations[] = {
    Activation::kNone,    Activation::kRelu, Activation::kClip,      Activation::kLeakyRelu,
    Activation::kSigmoid, Activation::kTanh, Activation::kSilu,      Activation::kHardSwish,
    Activation::kGeluErf, Activation::kGeluTanh};

f32_gemm::Epilogue epilogue_for(int round, const float* bias, const float* residual) {
  f32_gemm::Epilogue e;
  e.activation = kActivations[round % 10];
  if (e.activation == Activation::kClip) e.alpha = 0.0f, e.beta = 6.0f;
  if (e.activation == Activation::kLeakyRelu) e.alpha = 0.2f;
  if (round % 2 == 0) e.bias = bias;
  if (round % 3 != 0) e.residual = residual;
  return e;
}

template <typename Shape, typename Variant>
void check(Tally& tally, const Variant& variant, const Variant& reference, const Shape& s,
           int round, ThreadPool* pool, const std::string& label) {
  const int64_t in_size = s.batch * s.in_h * s.in_w * s.in_c;
  const int64_t out_size = s.batch * s.out_h() * s.out_w() * s.out_c;
  const bool transposed = std::is_same<Shape, DeconvShape>::value;
  const int64_t w_size = (transposed ? s.in_c * (s.out_c / s.groups)
                                     : s.out_c * (s.in_c / s.groups)) * s.kernel_h * s.kernel_w;
  Buffer input = random_buffer(in_size), weights = random_buffer(w_size);
  Buffer bias = random_buffer(s.out_c), residual = random_buffer(out_size);
  Buffer packed = aligned_buffer(variant.packed_size(s));
  Buffer packed_ref = aligned_buffer(reference.packed_size(s));
  variant.pack(s, weights.get(), packed.get());
  reference.pack(s, weights.get(), packed_ref.get());
  Buffer got = aligned_buffer(out_size), want = aligned_buffer(out_size);
  f32_conv::ConvParams p;
  p.input = input.get();
  p.packed_weights = packed_ref.get();
  p.output = want.get();
  p.epilogue = epilogue_for(round, bias.get(), residual.get());
  reference.run(s, p, nullptr);
  const int64_t k = (s.in_c / s.groups) * s.kernel_h * s.kernel_w;
  // GEMM-based convolutions run either through indirect microkernels or im2col: check both.
  for (const bool im2col : {false, true}) {
    if (im2col && transposed) break;
    p.output = got.get();
    p.packed_weights = packed.get();
    p.force_im2col = im2col;
    variant.run(s, p, pool);
    expect_close(tally,
                 format("%s %s %s%s%s%s%s", variant.name, label.c_str(),
                        f32_gemm::activation_name(p.epilogue.activation),
                        p.epilogue.bias ? " +bias" : "", p.epilogue.residual ? " +residual" : "",
                        pool ? " threads=2" : "", im2col ? " im2col" : ""),
                 got.get(), s.out_c, want.get(), s.out_c, out_size / s.out_c, s.out_c,
                 2e-6 * (k + 8), 4e-6);
  }
}

std::string describe(const ConvShape& s) {
  return format("N=%lld H=%lld W=%lld C=%lld->%lld g=%lld k=%lldx%lld s=%lldx%lld d=%lldx%lld "
                "pads=%lld,%lld,%lld,%lld",
                (long long)s.batch, (long long)s.in_h, (long long)s.in_w, (long long)s.in_c,
                (long long)s.out_c, (long long)s.groups, (long long)s.kernel_h,
                (long long)s.kernel_w, (long long)s.stride_h, (long long)s.stride_w,
                (long long)s.dilation_h, (long long)s.dilation_w, (long long)s.pad_top,
                (long long)s.pad_left, (long long)s.pad_bottom, (long long)s.pad_right);
}

std::vector<ConvShape> conv_shapes() {
  std::vector<ConvShape> shapes;
  int round = 0;
  const int64_t kernels[] = {1, 3, 5, 7};
  for (int64_t kernel : kernels) {
    for (int64_t stride : {1, 2, 3}) {
      for (int64_t dilation : {1, 2}) {
        for (int group_mode = 0; group_mode < 3; ++group_mode) {  // 1, 2, depthwise
          ++round;
          ConvShape s;
          s.batch = round % 4 == 0 ? 2 : 1;
          s.in_h = 5 + round % 9;
          s.in_w = 7 + (round * 5) % 11;
          const int64_t c = group_mode == 2 ? 3 + (round * 7) % 37 : 2 + (round * 3) % 9;
          s.in_c = group_mode == 1 ? 2 * c : c;
          s.out_c = group_mode == 2 ? s.in_c : (group_mode == 1 ? 2 : 1) * (1 + (round * 5) % 35);
          s.groups = group_mode == 0 ? 1 : group_mode == 1 ? 2 : s.in_c;
          s.kernel_h = kernel;
          s.kernel_w = round % 5 == 0 ? (kernel == 1 ? 3 : kernel - 2) : kernel;
          s.stride_h = stride;
          s.stride_w = round % 3 == 0 ? 1 : stride;
          s.dilation_h = s.dilation_w = dilation;
          if (kernel > 1 || round % 2 == 0) {  // asymmetric pads
            s.pad_top = round % 3;
            s.pad_left = (round + 1) % 4;
            s.pad_bottom = (round + 2) % 2;
            s.pad_right = round % 2;
          }
          while (!s.valid()) ++s.in_h, ++s.in_w;
          shapes.push_back(s);
        }
      }
    }
  }
  // Depthwise 3x3 at mobilenet-like channel counts (vector tails), and a 1x1 with wide channels.
  for (int64_t c : {16, 32, 47, 96}) {
    ConvShape s;
    s.in_h = s.in_w = 9, s.in_c = s.out_c = s.groups = c, s.kernel_h = s.kernel_w = 3;
    s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = 1;
    s.stride_h = s.stride_w = c == 32 ? 2 : 1;
    shapes.push_back(s);
  }
  ConvShape wide;
  wide.in_h = 7, wide.in_w = 9, wide.in_c = 96, wide.out_c = 129;
  shapes.push_back(wide);
  return shapes;
}

std::string describe(const DeconvShape& s) {
  return format("N=%lld H=%lld W=%lld C=%lld->%lld g=%lld k=%lldx%lld s=%lldx%lld d=%lldx%lld "
                "pads=%lld,%lld,%lld,%lld outpad=%lld,%lld",
                (long long)s.batch, (long long)s.in_h, (long long)s.in_w, (long long)s.in_c,
                (long long)s.out_c, (long long)s.groups, (long long)s.kernel_h,
                (long long)s.kernel_w, (long long)s.stride_h, (long long)s.stride_w,
                (long long)s.dilation_h, (long long)s.dilation_w, (long long)s.pad_top,
                (long long)s.pad_left, (long long)s.pad_bottom, (long long)s.pad_right,
                (long long)s.output_padding_h, (long long)s.output_padding_w);
}

std::vector<DeconvShape> deconv_shapes() {
  std::vector<DeconvShape> shapes;
  int round = 0;
  for (int64_t kernel : {1, 2, 3, 4, 5}) {
    for (int64_t stride : {1, 2, 3}) {
      for (int64_t dilation : {1, 2}) {
        for (int64_t groups : {1, 2}) {
          ++round;
          DeconvShape s;
          s.batch = round % 5 == 0 ? 2 : 1;
          s.in_h = 3 + round % 5;
          s.in_w = 4 + (round * 3) % 7;
          s.in_c = groups * (1 + (round * 7) % 13);
          s.out_c = groups * (1 + (round * 5) % 19);
          s.groups = groups;
          s.kernel_h = kernel;
          s.kernel_w = round % 4 == 0 && kernel > 1 ? kernel - 1 : kernel;
          s.stride_h = stride;
          s.stride_w = round % 3 == 0 ? 1 : stride;
          s.dilation_h = s.dilation_w = dilation;
          s.pad_top = round % 2;
          s.pad_left = (round / 2) % 3 < kernel ? (round / 2) % 3 : 0;
          s.pad_bottom = (round + 1) % 2;
          s.pad_right = 0;
          s.output_padding_h = stride > 1 ? round % stride : 0;
          s.output_padding_w = s.stride_w > 1 ? (round + 1) % s.stride_w : 0;
          if (s.valid()) shapes.push_back(s);
        }
      }
    }
  }
  return shapes;
}

void test_layout(Tally& tally) {
  const int64_t n = 2, c = 37, h = 9, w = 11, size = n * c * h * w;
  Buffer x = random_buffer(size), nhwc = aligned_buffer(size), back = aligned_buffer(size);
  f32_conv::nchw_to_nhwc(x.get(), n, c, h, w, nhwc.get());
  f32_conv::nhwc_to_nchw(nhwc.get(), n, c, h, w, back.get());
  bool placed = nhwc[((1 * h + 4) * w + 5) * c + 7] == x[((1 * c + 7) * h + 4) * w + 5];
  if (!placed) ++tally.failed, std::printf("FAIL nchw_to_nhwc: element misplaced\n");
  expect_close(tally, "nchw_to_nhwc/nhwc_to_nchw round trip", back.get(), size, x.get(), size, 1,
               size, 0.0, 0.0);
}

}  // namespace

void run_conv_tests(Tally& tally) {
  ThreadPool pool(2);
  const f32_conv::ConvVariant& conv_ref =
      f32_conv::conv_variants()[f32_conv::conv_variant_count() - 1];
  const std::vector<ConvShape> shapes = conv_shapes();
  for (size_t v = 0; v + 1 < f32_conv::conv_variant_count(); ++v) {
    const f32_conv::ConvVariant& variant = f32_conv::conv_variants()[v];
    if (!host_supports(variant.isa)) {
      std::printf("skip %s (host ISA %s)\n", variant.name, isa_name(max_isa()));
      ++tally.skipped;
      continue;
    }
    int round = 0;
    for (const ConvShape& s : shapes) {
      if (!variant.applies(s)) continue;
      check(tally, variant, conv_ref, s, round, round % 4 == 3 ? &pool : nullptr, describe(s));
      ++round;
    }
  }
  const f32_conv::DeconvVariant& deconv_ref =
      f32_conv::deconv_variants()[f32_conv::deconv_variant_count() - 1];
  const std::vector<DeconvShape> dshapes = deconv_shapes();
  for (size_t v = 0; v + 1 < f32_conv::deconv_variant_count(); ++v) {
    const f32_conv::DeconvVariant& variant = f32_conv::deconv_variants()[v];
    if (!host_supports(variant.isa)) {
      std::printf("skip %s (host ISA %s)\n", variant.name, isa_name(max_isa()));
      ++tally.skipped;
      continue;
    }
    int round = 0;
    for (const DeconvShape& s : dshapes) {
      check(tally, variant, deconv_ref, s, round, round % 4 == 3 ? &pool : nullptr, describe(s));
      ++round;
    }
  }
  test_layout(tally);
}

}  // namespace kiln::test
