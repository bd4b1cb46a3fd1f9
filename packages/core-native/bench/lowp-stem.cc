// int8 stem benchmark: the first convolution of squeezenet1_1 and mobilenet_v2 (fp32 NCHW image in,
// uint8 NHWC out, ReLU / ReLU6) on qu8_conv_nchw, against the path it replaces (the qu8 im2col
// conv over the NHWC image, which needs an NCHW->NHWC reformat first: timed here as a plain
// transpose) and the fp32 NCHW stem (fp32 out). Fastest of the repeats in microseconds, 1 and 2
// threads. Arguments: --repeats R (200), --filter TEXT (cases whose label contains it).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench-util.h"
#include "kernels/f32-conv/stem.h"
#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-conv/stem.h"
#include "runtime/thread_pool.h"

using namespace kiln;
using bench_util::aligned;
using bench_util::fastest_us;
using f32_conv::ConvShape;

namespace {

int repeats = 200;
std::string filter;

bool usable(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(max_isa()); }

void bench(const char* label, const ConvShape& s, f32_gemm::Epilogue e, ThreadPool* pool) {
  if (std::string(label).find(filter) == std::string::npos) return;
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t in = s.batch * s.in_h * s.in_w * s.in_c, out = s.batch * s.out_h() * s.out_w() * s.out_c;
  std::vector<float> weights(s.out_c * s.in_c * s.kernel_h * s.kernel_w), bias(s.out_c, 0.05f);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37 % 101) - 50) / 200.0f;
  e.bias = bias.data();
  float* x = aligned<float>(in);
  float* x_nhwc = aligned<float>(in);
  float* y = aligned<float>(out);
  uint8_t* y_u8 = aligned<uint8_t>(out);
  for (int64_t i = 0; i < in; ++i) x[i] = static_cast<float>(i % 17) / 8.0f - 1.0f;
  const lowp_gemm::Quantization grid_x{0.0157f, 128}, grid_y{0.03f, 0};
  const int64_t plane = s.in_h * s.in_w;
  const double reformat = fastest_us(repeats, [&] {
    for (int64_t p = 0; p < plane; ++p) {
      for (int64_t c = 0; c < s.in_c; ++c) x_nhwc[p * s.in_c + c] = x[c * plane + p];
    }
  });
  std::printf("%-40s threads %d  %8.1f us  nchw->nhwc reformat (plain loop, 1 thread)\n", label, threads, reformat);
  for (size_t vi = 0; vi < lowp_conv::conv_variant_count(); ++vi) {
    const lowp_conv::ConvVariant& v = lowp_conv::conv_variants()[vi];
    if (std::strncmp(v.name, "qu8_", 4) != 0 || v.isa == Isa::kScalar || !usable(v.isa) || !lowp_conv::applies(v, s)) {
      continue;
    }
    void* packed = aligned<uint8_t>(lowp_conv::packed_bytes(v, s));
    lowp_conv::pack(v, s, weights.data(), nullptr, 0, packed);
    lowp_conv::ConvParams p;
    p.input = x_nhwc, p.packed_weights = packed, p.quantization = grid_x;
    p.output_u8 = y_u8, p.output_quantization = grid_y, p.epilogue = e;
    const double us = fastest_us(repeats, [&] { lowp_conv::run(v, s, p, pool); });
    std::printf("%-40s threads %d  %8.1f us  %s (NHWC input)\n", label, threads, us, v.name);
    std::free(packed);
  }
  for (size_t vi = 0; vi < lowp_conv::stem_variant_count(); ++vi) {
    const lowp_conv::StemVariant& v = lowp_conv::stem_variants()[vi];
    if (v.isa == Isa::kScalar || !usable(v.isa)) continue;
    void* packed = aligned<uint8_t>(lowp_conv::stem_packed_bytes(s));
    lowp_conv::stem_pack(s, weights.data(), nullptr, 0, packed);
    lowp_conv::StemParams p;
    p.input = x, p.input_grid = grid_x, p.weights = packed, p.epilogue = e;
    p.output_u8 = y_u8, p.output_grid = grid_y;
    const double us = fastest_us(repeats, [&] { lowp_conv::stem_run(v, s, p, pool); });
    p.output_u8 = nullptr, p.output = y;
    const double us_f32 = fastest_us(repeats, [&] { lowp_conv::stem_run(v, s, p, pool); });
    std::printf("%-40s threads %d  %8.1f us  %s (uint8 out; fp32 out %.1f us)\n", label, threads, us, v.name, us_f32);
    std::free(packed);
  }
  for (size_t vi = 0; vi < f32_conv::nchw_conv_variant_count(); ++vi) {
    const f32_conv::NchwConvVariant& v = f32_conv::nchw_conv_variants()[vi];
    if (v.isa == Isa::kScalar || !usable(v.isa) || !f32_conv::nchw_conv_variant_applies(v, s)) continue;
    std::vector<float> packed(f32_conv::nchw_conv_packed_size(v, s) + 16);
    float* at = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(packed.data()) + 63) / 64 * 64);
    f32_conv::nchw_conv_pack(v, s, weights.data(), at);
    f32_conv::ConvParams p;
    p.input = x, p.packed_weights = at, p.output = y, p.epilogue = e;
    const double us = fastest_us(repeats, [&] { f32_conv::nchw_conv_run(v, s, p, pool); });
    std::printf("%-40s threads %d  %8.1f us  %s (fp32 out)\n", label, threads, us, v.name);
  }
  std::free(x), std::free(x_nhwc), std::free(y), std::free(y_u8);
}

ConvShape stem_shape(int64_t out_c, int64_t pad) {
  ConvShape s;
  s.in_h = s.in_w = 224, s.in_c = 3, s.out_c = out_c, s.groups = 1;
  s.kernel_h = s.kernel_w = 3, s.stride_h = s.stride_w = 2;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--repeats") repeats = std::atoi(argv[i + 1]);
    if (std::string(argv[i]) == "--filter") filter = argv[i + 1];
  }
  std::printf("host ISA: %s\n", isa_name(max_isa()));
  f32_gemm::Epilogue relu, relu6;
  relu.activation = f32_gemm::Activation::kRelu;
  relu6.activation = f32_gemm::Activation::kClip, relu6.beta = 6.0f;
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    ThreadPool* p = threads > 1 ? &pool : nullptr;
    bench("squeezenet1_1 stem 224x224x3->64 s2 p0", stem_shape(64, 0), relu, p);
    bench("mobilenet_v2 stem 224x224x3->32 s2 p1", stem_shape(32, 1), relu6, p);
  }
  return 0;
}
