// int8 layer benchmark: mobilenet_v2's early qu8 layers as the engine runs them (uint8 NHWC in
// and out, ReLU6): the stem conv (fp32 input quantized by the im2col GEMM), the 1x1 convs, and
// the 3x3 depthwise layers at stride 1 and 2, at 1 and 2 threads. Prints the fastest of the
// repeats in microseconds per layer and each variant's name. Arguments: --repeats R (200),
// --filter TEXT (layers whose label contains it), --variant TEXT (variants whose name does).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench-util.h"
#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-dwconv/dwconv.h"
#include "runtime/thread_pool.h"

using namespace kiln;
using bench_util::aligned;
using bench_util::fastest_us;
using bench_util::same_padded;
using f32_conv::ConvShape;

namespace {

int repeats = 200;
std::string filter;   // only layers whose label contains this
std::string variant;  // only variants whose name contains this

f32_gemm::Epilogue relu6() {
  f32_gemm::Epilogue e;
  e.activation = f32_gemm::Activation::kClip, e.alpha = 0.0f, e.beta = 6.0f;
  return e;
}

void bench_conv(const char* label, const ConvShape& s, bool u8_input, ThreadPool* pool) {
  if (std::string(label).find(filter) == std::string::npos) return;
  const int64_t in = s.in_h * s.in_w * s.in_c, out = s.out_h() * s.out_w() * s.out_c;
  std::vector<float> weights(s.out_c * s.in_c / s.groups * s.kernel_h * s.kernel_w);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37 % 101) - 50) / 200.0f;
  float* x = aligned<float>(in);
  uint8_t* x_u8 = aligned<uint8_t>(in);
  for (int64_t i = 0; i < in; ++i) x[i] = static_cast<float>(i % 17) / 8.0f - 1.0f, x_u8[i] = static_cast<uint8_t>(i * 7);
  uint8_t* y = aligned<uint8_t>(out);
  for (size_t vi = 0; vi < lowp_conv::conv_variant_count(); ++vi) {
    const lowp_conv::ConvVariant& v = lowp_conv::conv_variants()[vi];
    if (std::strncmp(v.name, "qu8_", 4) != 0 || v.isa == Isa::kScalar || static_cast<int>(v.isa) > static_cast<int>(max_isa()) ||
        !lowp_conv::applies(v, s) || std::string(v.name).find(variant) == std::string::npos) {
      continue;
    }
    void* packed = aligned<uint8_t>(lowp_conv::packed_bytes(v, s));
    lowp_conv::pack(v, s, weights.data(), nullptr, 0, packed);
    lowp_conv::ConvParams p;
    if (u8_input) {
      p.input_u8 = x_u8;
    } else {
      p.input = x;
    }
    p.packed_weights = packed;
    p.quantization = {0.02f, 128};
    p.output_u8 = y, p.output_quantization = {0.03f, 0};
    p.epilogue = relu6();
    const double us = fastest_us(repeats, [&] { lowp_conv::run(v, s, p, pool); });
    std::printf("%-34s threads %d  %8.1f us  %s\n", label, pool != nullptr ? pool->size() : 1, us, v.name);
    std::free(packed);
  }
  std::free(x), std::free(x_u8), std::free(y);
}

void bench_dwconv(const char* label, const ConvShape& s, ThreadPool* pool) {
  if (std::string(label).find(filter) == std::string::npos) return;
  const int64_t in = s.in_h * s.in_w * s.in_c, out = s.out_h() * s.out_w() * s.out_c;
  std::vector<float> weights(s.in_c * 9);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37 % 101) - 50) / 100.0f;
  uint8_t* x = aligned<uint8_t>(in);
  for (int64_t i = 0; i < in; ++i) x[i] = static_cast<uint8_t>(i * 7);
  uint8_t* y = aligned<uint8_t>(out);
  std::vector<float> bias(s.in_c, 0.1f);
  for (size_t vi = 0; vi < lowp_dwconv::dw_variant_count(); ++vi) {
    const lowp_dwconv::DwVariant& v = lowp_dwconv::dw_variants()[vi];
    if (v.isa == Isa::kScalar || static_cast<int>(v.isa) > static_cast<int>(max_isa()) ||
        std::string(v.name).find(variant) == std::string::npos) {
      continue;
    }
    uint32_t* packed = aligned<uint32_t>(lowp_dwconv::packed_words(s));
    lowp_dwconv::pack(s, weights.data(), packed);
    lowp_dwconv::DwParams p;
    p.input = x, p.input_grid = {0.02f, 3};
    p.weights = packed;
    p.epilogue = relu6();
    p.epilogue.bias = bias.data();
    p.output_u8 = y, p.output_grid = {0.03f, 0};
    const double us = fastest_us(repeats, [&] { lowp_dwconv::run(v, s, p, pool); });
    std::printf("%-34s threads %d  %8.1f us  %s\n", label, pool != nullptr ? pool->size() : 1, us, v.name);
  }
  std::free(x), std::free(y);
}

}  // namespace

int main(int argc, char** argv) {
  bench_util::read_options(argc, argv, &repeats, &filter, &variant);
  std::printf("host ISA: %s\n", isa_name(max_isa()));
  for (int threads : {1, 2}) {
    ThreadPool pool(threads);
    ThreadPool* p = threads > 1 ? &pool : nullptr;
    bench_conv("stem 224x224x3->32 3x3 s2 (fp32 in)", same_padded(224, 224, 3, 32, 3, 2, 1), false, p);
    bench_conv("1x1 112x112x32->16", same_padded(112, 112, 32, 16, 1, 1, 1), true, p);
    bench_conv("1x1 112x112x16->96", same_padded(112, 112, 16, 96, 1, 1, 1), true, p);
    bench_conv("1x1 56x56x24->144", same_padded(56, 56, 24, 144, 1, 1, 1), true, p);
    bench_conv("1x1 56x56x144->24", same_padded(56, 56, 144, 24, 1, 1, 1), true, p);
    bench_conv("1x1 14x14x64->384", same_padded(14, 14, 64, 384, 1, 1, 1), true, p);
    bench_dwconv("dw 3x3 s1 112x112x32", same_padded(112, 112, 32, 32, 3, 1, 32), p);
    bench_dwconv("dw 3x3 s2 112x112x96", same_padded(112, 112, 96, 96, 3, 2, 96), p);
    bench_dwconv("dw 3x3 s1 56x56x144", same_padded(56, 56, 144, 144, 3, 1, 144), p);
    bench_dwconv("dw 3x3 s1 14x14x384", same_padded(14, 14, 384, 384, 3, 1, 384), p);
  }
  return 0;
}
