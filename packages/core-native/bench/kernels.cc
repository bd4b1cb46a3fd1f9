// Kernel benchmark for the f32 GEMM and conv families on shapes from real models (bert_mini's
// MatMuls and attention, mobilenet_v2's 1x1 / depthwise 3x3 convolutions, squeezenet1_1's 1x1 /
// 3x3 convolutions, batch 1, 224x224 input) plus M=N=K=1024, at 1 and 2 threads.
// Usage: kernels [--json] [--filter[=]SUBSTRING] [--min-time SECONDS] [--a-path packed|direct]
//                [--im2col]   (the last two force a lever off or on, to measure its effect)
//                [--conv-activation relu6|silu|gelu|none]   (the convs' epilogue; default relu6)
//                [--cold]   (caches evicted before each timed call: weights and inputs from memory)
// --json prints one object per line: {"kernel": ..., "dtype": "float32", "M": .., "N": ..,
// "K": .., "threads": .., "gflops": ..} (+ "batch" for batched MatMul, "shape" for convs). Conv
// GFLOP/s count the direct convolution's multiply-adds (Winograd's are fewer: effective rate).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/bf16-dwconv/dwconv.h"
#include "kernels/f32-conv/dwconv.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/variants.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"

namespace {

using kiln::f32_conv::ConvShape;

struct Options {
  bool json = false;
  std::string filter;
  double min_time = 0.2;
  // Levers, to measure each one's effect: how GEMMs read A, and im2col instead of indirect conv.
  kiln::f32_gemm::APath a_path = kiln::f32_gemm::APath::kAuto;
  bool im2col = false;
  kiln::f32_gemm::Activation conv_activation = kiln::f32_gemm::Activation::kClip;
};

float* random_floats(size_t count) {
  float* data = static_cast<float*>(std::aligned_alloc(64, (count * 4 + 63) / 64 * 64));
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t i = 0; i < count; ++i) data[i] = dist(rng);
  return data;
}

// --cold: before each timed call, write a buffer larger than the caches, so the call reads its
// weights and inputs from memory as a layer in a large network does (ResNet-50's 98 MiB of weights).
bool g_cold = false;
void evict_caches() {
  static std::vector<char> sweep(size_t{96} << 20);
  for (size_t i = 0; i < sweep.size(); i += 64) sweep[i] = static_cast<char>(i);
}

// Median seconds per call over repeats filling roughly min_time (at least 5).
double time_call(const std::function<void()>& call, double min_time) {
  using clock = std::chrono::steady_clock;
  call();
  std::vector<double> samples;
  const auto start = clock::now();
  while (samples.size() < 5 ||
         (std::chrono::duration<double>(clock::now() - start).count() < min_time &&
          samples.size() < 1000)) {
    if (g_cold) evict_caches();
    const auto t0 = clock::now();
    call();
    samples.push_back(std::chrono::duration<double>(clock::now() - t0).count());
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

void report(const Options& o, const char* kernel, int64_t m, int64_t n, int64_t k,
            int64_t batch, int threads, double flops, double seconds, const std::string& shape,
            const char* dtype = "float32") {
  const double gflops = flops / seconds * 1e-9;
  if (o.json) {
    std::printf("{\"kernel\": \"%s\", \"dtype\": \"%s\", \"M\": %lld, \"N\": %lld, "
                "\"K\": %lld, \"batch\": %lld, \"threads\": %d, \"gflops\": %.1f%s%s%s}\n",
                kernel, dtype, (long long)m, (long long)n, (long long)k, (long long)batch, threads,
                gflops, shape.empty() ? "" : ", \"shape\": \"", shape.c_str(),
                shape.empty() ? "" : "\"");
  } else {
    std::printf("%-32s %-40s threads=%d %8.1f G%s/s %9.1f us\n", kernel,
                shape.empty() ? (std::to_string(batch) + "x" + std::to_string(m) + "x" +
                                 std::to_string(n) + "x" + std::to_string(k))
                                    .c_str()
                              : shape.c_str(),
                threads, gflops, std::strcmp(dtype, "int8") == 0 ? "OP" : "FLOP", seconds * 1e6);
  }
  std::fflush(stdout);
}

void bench_gemm(const Options& o, kiln::ThreadPool* pools[2]) {
  struct Shape { const char* label; int64_t batch, m, n, k; bool transpose_b; };
  const Shape shapes[] = {
      {"bert_mini qkv/out proj", 1, 128, 256, 256, false},
      {"bert_mini ffn up", 1, 128, 1024, 256, false},
      {"bert_mini ffn down", 1, 128, 256, 1024, false},
      {"bert_mini attention QK^T", 4, 128, 128, 64, true},
      {"bert_mini attention PV", 4, 128, 64, 128, false},
      {"resnet50 1x1 56x56 64->256", 1, 3136, 256, 64, false},
      {"resnet50 1x1 14x14 1024->256", 1, 196, 256, 1024, false},
      {"resnet50 1x1 14x14 256->1024", 1, 196, 1024, 256, false},
      {"resnet50 1x1 7x7 2048->512", 1, 49, 512, 2048, false},
      {"square 1024", 1, 1024, 1024, 1024, false},
  };
  const kiln::Isa host = kiln::max_isa();
  for (const Shape& s : shapes) {
    float* a = random_floats(s.batch * s.m * s.k);
    float* b = random_floats(s.batch * s.k * s.n);
    float* c = random_floats(s.batch * s.m * s.n);
    for (size_t v = 0; v < kiln::f32_gemm::variant_count(); ++v) {
      const kiln::f32_gemm::GemmVariant& variant = kiln::f32_gemm::variants()[v];
      if (!kiln::f32_gemm::applies(variant, host, s.m, s.n, s.k)) continue;
      if (variant.isa == kiln::Isa::kScalar && s.m * s.n * s.k > (1 << 24)) continue;
      if (!o.filter.empty() && std::string(variant.name).find(o.filter) == std::string::npos &&
          std::string(s.label).find(o.filter) == std::string::npos) continue;
      const double flops = 2.0 * s.batch * s.m * s.n * s.k;
      for (int t = 0; t < 2; ++t) {
        double seconds;
        if (s.batch == 1) {
          float* packed = random_floats(kiln::f32_gemm::packed_b_size(variant, s.k, s.n));
          kiln::f32_gemm::pack_b(variant, s.k, s.n, b, s.n, 1, packed);
          kiln::f32_gemm::GemmParams p;
          p.m = s.m, p.n = s.n, p.k = s.k, p.a = a, p.lda = s.k, p.packed_b = packed;
          p.c = c, p.ldc = s.n;
          p.a_path = o.a_path;
          seconds = time_call([&] { kiln::f32_gemm::gemm(variant, p, pools[t]); }, o.min_time);
          std::free(packed);
        } else {
          kiln::f32_gemm::BatchedMatmulParams p;
          p.batch = s.batch, p.m = s.m, p.n = s.n, p.k = s.k;
          p.a = a, p.a_batch_stride = s.m * s.k, p.lda = s.k;
          p.b = b, p.b_batch_stride = s.k * s.n;
          p.b_k_stride = s.transpose_b ? 1 : s.n;
          p.b_n_stride = s.transpose_b ? s.k : 1;
          p.c = c, p.c_batch_stride = s.m * s.n, p.ldc = s.n;
          seconds = time_call([&] { kiln::f32_gemm::batched_matmul(variant, p, pools[t]); },
                              o.min_time);
        }
        report(o, variant.name, s.m, s.n, s.k, s.batch, t + 1, flops, seconds, "");
      }
    }
    std::free(a), std::free(b), std::free(c);
  }
}

// Reduced-precision GEMMs on the same shapes plus two conv-as-GEMM shapes (1x1 pointwise and a
// 3x3 im2col); dtype "bfloat16" | "float16" | "int8" (GOP/s for int8).
void bench_lowp_gemm(const Options& o, kiln::ThreadPool* pools[2]) {
  using kiln::f32_gemm::Activation;
  struct Shape { const char* label; int64_t m, n, k; bool bias = false; Activation activation = Activation::kNone; };
  // bert_mini's with and without the epilogue its engine fuses (bias, GELU): the difference is
  // the epilogue's cost.
  const Shape shapes[] = {
      {"bert_mini qkv/out proj", 128, 256, 256},
      {"bert_mini qkv/out proj +bias", 128, 256, 256, true},
      {"bert_mini ffn up", 128, 1024, 256},
      {"bert_mini ffn up +bias+gelu", 128, 1024, 256, true, Activation::kGeluErf},
      {"bert_mini ffn down", 128, 256, 1024},
      {"bert_mini ffn down +bias", 128, 256, 1024, true},
      {"mobilenet_v2 pw 56x56x24->144", 3136, 144, 24},
      {"squeezenet1_1 expand3x3 13x13 as GEMM", 169, 256, 576},
      {"square 1024", 1024, 1024, 1024},
  };
  const kiln::Isa host = kiln::max_isa();
  for (const Shape& s : shapes) {
    float* a = random_floats(s.m * s.k);
    float* b = random_floats(s.k * s.n);
    float* c = random_floats(s.m * s.n);
    float* bias = random_floats(s.n);
    for (size_t v = 0; v < kiln::lowp_gemm::variant_count(); ++v) {
      const kiln::lowp_gemm::LowpVariant& variant = kiln::lowp_gemm::variants()[v];
      if (!kiln::lowp_gemm::applies(variant, host) || variant.isa == kiln::Isa::kScalar) continue;
      if (!o.filter.empty() && std::string(variant.name).find(o.filter) == std::string::npos &&
          std::string(s.label).find(o.filter) == std::string::npos) continue;
      void* packed = std::aligned_alloc(64, kiln::lowp_gemm::packed_b_bytes(variant, s.k, s.n));
      kiln::lowp_gemm::pack_b(variant, s.k, s.n, b, s.n, 1, nullptr, 0, packed);
      kiln::lowp_gemm::LowpParams p;
      p.m = s.m, p.n = s.n, p.k = s.k, p.a = a, p.lda = s.k, p.packed_b = packed;
      p.c = c, p.ldc = s.n;
      p.quantization = {2.0f / 255.0f, 128};
      p.epilogue.bias = s.bias ? bias : nullptr, p.epilogue.activation = s.activation;
      for (int t = 0; t < 2; ++t) {
        const double seconds =
            time_call([&] { kiln::lowp_gemm::gemm(variant, p, pools[t]); }, o.min_time);
        report(o, variant.name, s.m, s.n, s.k, 1, t + 1, 2.0 * s.m * s.n * s.k, seconds, s.label,
               kiln::lowp_gemm::format_name(variant.format));
      }
      std::free(packed);
    }
    std::free(a), std::free(b), std::free(c), std::free(bias);
  }
}

ConvShape conv(int64_t hw, int64_t cin, int64_t cout, int64_t kernel, int64_t stride,
               int64_t pad, int64_t groups, int64_t dilation = 1) {
  ConvShape s;
  s.in_h = s.in_w = hw, s.in_c = cin, s.out_c = cout, s.groups = groups;
  s.kernel_h = s.kernel_w = kernel, s.stride_h = s.stride_w = stride;
  s.dilation_h = s.dilation_w = dilation;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = pad;
  return s;
}

void bench_conv(const Options& o, kiln::ThreadPool* pools[2]) {
  struct Shape { const char* label; ConvShape shape; };
  const Shape shapes[] = {
      {"mobilenet_v2 conv0 3x3s2 224x224x3->32", conv(224, 3, 32, 3, 2, 1, 1)},
      {"mobilenet_v2 dw3x3 112x112x32", conv(112, 32, 32, 3, 1, 1, 32)},
      {"mobilenet_v2 pw 112x112x32->16", conv(112, 32, 16, 1, 1, 0, 1)},
      {"mobilenet_v2 pw 112x112x16->96", conv(112, 16, 96, 1, 1, 0, 1)},
      {"mobilenet_v2 dw3x3s2 112x112x96", conv(112, 96, 96, 3, 2, 1, 96)},
      {"mobilenet_v2 pw 56x56x24->144", conv(56, 24, 144, 1, 1, 0, 1)},
      {"mobilenet_v2 dw3x3 56x56x144", conv(56, 144, 144, 3, 1, 1, 144)},
      {"mobilenet_v2 pw 56x56x144->24", conv(56, 144, 24, 1, 1, 0, 1)},
      {"mobilenet_v2 pw 28x28x32->192", conv(28, 32, 192, 1, 1, 0, 1)},
      {"mobilenet_v2 dw3x3 28x28x192", conv(28, 192, 192, 3, 1, 1, 192)},
      {"mobilenet_v2 pw 14x14x64->384", conv(14, 64, 384, 1, 1, 0, 1)},
      {"mobilenet_v2 dw3x3 14x14x384", conv(14, 384, 384, 3, 1, 1, 384)},
      {"mobilenet_v2 dw3x3 7x7x960", conv(7, 960, 960, 3, 1, 1, 960)},
      {"convnext dw7x7 56x56x96", conv(56, 96, 96, 7, 1, 3, 96)},
      {"mobilenet_v2 pw 14x14x384->96", conv(14, 384, 96, 1, 1, 0, 1)},
      {"mobilenet_v2 pw 7x7x160->960", conv(7, 160, 960, 1, 1, 0, 1)},
      {"mobilenet_v2 pw 7x7x320->1280", conv(7, 320, 1280, 1, 1, 0, 1)},
      {"squeezenet1_1 conv1 3x3s2 224x224x3->64", conv(224, 3, 64, 3, 2, 0, 1)},
      {"squeezenet1_1 squeeze 55x55x64->16", conv(55, 64, 16, 1, 1, 0, 1)},
      {"squeezenet1_1 expand1x1 55x55x16->64", conv(55, 16, 64, 1, 1, 0, 1)},
      {"squeezenet1_1 expand3x3 55x55x16->64", conv(55, 16, 64, 3, 1, 1, 1)},
      {"squeezenet1_1 expand3x3 27x27x32->128", conv(27, 32, 128, 3, 1, 1, 1)},
      {"squeezenet1_1 expand3x3 13x13x48->192", conv(13, 48, 192, 3, 1, 1, 1)},
      {"squeezenet1_1 squeeze 13x13x384->48", conv(13, 384, 48, 1, 1, 0, 1)},
      {"squeezenet1_1 squeeze 13x13x512->64", conv(13, 512, 64, 1, 1, 0, 1)},
      {"squeezenet1_1 expand3x3 13x13x64->256", conv(13, 64, 256, 3, 1, 1, 1)},
      {"squeezenet1_1 conv10 13x13x512->1000", conv(13, 512, 1000, 1, 1, 0, 1)},
      {"resnet50 pw 56x56x64->256", conv(56, 64, 256, 1, 1, 0, 1)},
      {"resnet50 pw 14x14x1024->256", conv(14, 1024, 256, 1, 1, 0, 1)},
      {"resnet50 pw 14x14x256->1024", conv(14, 256, 1024, 1, 1, 0, 1)},
      {"resnet50 3x3s2 14x14x512->512", conv(14, 512, 512, 3, 2, 1, 1)},
      {"resnet50 3x3 7x7x512->512", conv(7, 512, 512, 3, 1, 1, 1)},
      {"resnet50 pw s2 14x14x1024->2048", conv(14, 1024, 2048, 1, 2, 0, 1)},
      {"deeplab 3x3s2 112x112x32->64", conv(112, 32, 64, 3, 2, 1, 1)},
      {"deeplab 3x3s2 56x56x64->128", conv(56, 64, 128, 3, 2, 1, 1)},
      {"deeplab 3x3 dilation 2 28x28x128->128", conv(28, 128, 128, 3, 1, 2, 1, 2)},
      {"deeplab 3x3 dilation 6 28x28x128->64", conv(28, 128, 64, 3, 1, 6, 1, 6)},
  };
  const kiln::Isa host = kiln::max_isa();
  for (const Shape& entry : shapes) {
    const ConvShape& s = entry.shape;
    const int64_t m = s.out_h() * s.out_w(), k = s.kernel_h * s.kernel_w * (s.in_c / s.groups);
    const double flops = 2.0 * m * s.out_c * k;
    float* input = random_floats(s.in_h * s.in_w * s.in_c);
    float* weights = random_floats(s.out_c * k);
    float* bias = random_floats(s.out_c);
    float* output = random_floats(m * s.out_c);
    for (size_t v = 0; v < kiln::f32_conv::conv_variant_count(); ++v) {
      const kiln::f32_conv::ConvVariant& variant = kiln::f32_conv::conv_variants()[v];
      if (!kiln::f32_conv::applies(variant, host, s) || variant.isa == kiln::Isa::kScalar) {
        continue;
      }
      if (!o.filter.empty() && std::string(variant.name).find(o.filter) == std::string::npos &&
          std::string(entry.label).find(o.filter) == std::string::npos) continue;
      float* packed = random_floats(variant.packed_size(s));
      variant.pack(s, weights, packed);
      kiln::f32_conv::ConvParams p;
      p.input = input, p.packed_weights = packed, p.output = output;
      p.epilogue.bias = bias;
      p.epilogue.activation = o.conv_activation;  // ReLU6 (as in mobilenet_v2) unless told
      p.epilogue.alpha = 0.0f, p.epilogue.beta = 6.0f;
      p.a_path = o.a_path;
      p.force_im2col = o.im2col;
      for (int t = 0; t < 2; ++t) {
        const double seconds = time_call([&] { variant.run(s, p, pools[t]); }, o.min_time);
        report(o, variant.name, m, s.out_c, k, 1, t + 1, flops, seconds, entry.label);
      }
      std::free(packed);
    }
    std::free(input), std::free(weights), std::free(bias), std::free(output);
  }
}

// bf16_dwconv on mobilenet_v2's depthwise 3x3 shapes, bf16 in and out (as in a bf16 engine), bias and
// ReLU6. GFLOP/s count the direct convolution's multiply-adds, as for f32_dwconv.
void bench_bf16_dwconv(const Options& o, kiln::ThreadPool* pools[2]) {
  struct Shape { const char* label; ConvShape shape; };
  const Shape shapes[] = {
      {"mobilenet_v2 dw3x3 112x112x32", conv(112, 32, 32, 3, 1, 1, 32)},
      {"mobilenet_v2 dw3x3s2 112x112x96", conv(112, 96, 96, 3, 2, 1, 96)},
      {"mobilenet_v2 dw3x3 56x56x144", conv(56, 144, 144, 3, 1, 1, 144)},
      {"mobilenet_v2 dw3x3 28x28x192", conv(28, 192, 192, 3, 1, 1, 192)},
      {"mobilenet_v2 dw3x3 14x14x384", conv(14, 384, 384, 3, 1, 1, 384)},
      {"mobilenet_v2 dw3x3 7x7x960", conv(7, 960, 960, 3, 1, 1, 960)},
  };
  const kiln::Isa host = kiln::max_isa();
  for (const Shape& entry : shapes) {
    const ConvShape& s = entry.shape;
    const int64_t m = s.out_h() * s.out_w(), k = 9;
    const double flops = 2.0 * m * s.out_c * k;
    std::vector<uint16_t> input(s.in_h * s.in_w * s.in_c), output(m * s.out_c);
    float* values = random_floats(input.size());
    for (size_t i = 0; i < input.size(); ++i) input[i] = kiln::lowp_gemm::float_to_bf16(values[i]);
    float* weights = random_floats(s.out_c * k);
    float* bias = random_floats(s.out_c);
    float* packed = random_floats(kiln::f32_conv::dwconv_packed_size(s));
    kiln::f32_conv::dwconv_pack(s, weights, packed);
    for (size_t v = 0; v < kiln::bf16_dwconv::dw_variant_count(); ++v) {
      const kiln::bf16_dwconv::DwVariant& variant = kiln::bf16_dwconv::dw_variants()[v];
      if (!kiln::bf16_dwconv::applies(variant, s) || variant.isa == kiln::Isa::kScalar || variant.isa > host) continue;
      if (!o.filter.empty() && std::string(variant.name).find(o.filter) == std::string::npos &&
          std::string(entry.label).find(o.filter) == std::string::npos) continue;
      kiln::bf16_dwconv::DwParams p;
      p.input = {input.data(), true};
      p.weights = packed;
      p.output = output.data();
      p.output_bf16 = true;
      p.epilogue.bias = bias;
      p.epilogue.activation = kiln::f32_gemm::Activation::kClip;
      p.epilogue.alpha = 0.0f, p.epilogue.beta = 6.0f;
      for (int t = 0; t < 2; ++t) {
        const double seconds = time_call([&] { kiln::bf16_dwconv::run(variant, s, p, pools[t]); }, o.min_time);
        report(o, variant.name, m, s.out_c, k, 1, t + 1, flops, seconds, entry.label, "bfloat16");
      }
    }
    std::free(values), std::free(weights), std::free(bias), std::free(packed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--json")) o.json = true;
    else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) o.filter = argv[++i];
    else if (!std::strncmp(argv[i], "--filter=", 9)) o.filter = argv[i] + 9;
    else if (!std::strcmp(argv[i], "--min-time") && i + 1 < argc) o.min_time = std::atof(argv[++i]);
    else if (!std::strcmp(argv[i], "--cold")) g_cold = true;
    else if (!std::strcmp(argv[i], "--im2col")) o.im2col = true;
    else if (!std::strcmp(argv[i], "--conv-activation") && i + 1 < argc) {
      const std::string name = argv[++i];
      using kiln::f32_gemm::Activation;
      o.conv_activation = name == "silu" ? Activation::kSilu : name == "gelu" ? Activation::kGeluErf : name == "none" ? Activation::kNone : Activation::kClip;
    }
    else if (!std::strcmp(argv[i], "--a-path") && i + 1 < argc) {
      const std::string path = argv[++i];
      o.a_path = path == "packed" ? kiln::f32_gemm::APath::kPacked
                 : path == "direct" ? kiln::f32_gemm::APath::kDirect
                                    : kiln::f32_gemm::APath::kAuto;
    }
  }
  kiln::ThreadPool one(1), two(2);
  kiln::ThreadPool* pools[2] = {&one, &two};
  bench_gemm(o, pools);
  bench_lowp_gemm(o, pools);
  bench_conv(o, pools);
  bench_bf16_dwconv(o, pools);
  return 0;
}
