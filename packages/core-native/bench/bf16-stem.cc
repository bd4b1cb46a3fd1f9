// bf16 stem benchmark: the first convolution of squeezenet1_1 and mobilenet_v2 (fp32 NCHW image
// in, NHWC out, ReLU / ReLU6) on every vector bf16_conv_nchw variant (bf16 out) and the
// f32_conv_nchw variant of the same tile (fp32 out), timed interleaved (A B A B ...), fastest of
// the rounds in microseconds, at 1 and 2 threads. Arguments: --repeats R (300), --filter TEXT (cases
// whose label contains it).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench-util.h"
#include "kernels/f32-conv/stem.h"
#include "runtime/thread_pool.h"

using namespace kiln;
using bench_util::aligned;
using f32_conv::ConvShape;
using f32_conv::NchwConvVariant;

namespace {

int repeats = 300;
std::string filter;

bool usable(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(max_isa()); }

double time_us(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
}

void bench(const char* label, const ConvShape& s, f32_gemm::Epilogue e, ThreadPool* pool) {
  if (std::string(label).find(filter) == std::string::npos) return;
  const int threads = pool != nullptr ? pool->size() : 1;
  const int64_t in = s.batch * s.in_h * s.in_w * s.in_c, out = s.batch * s.out_h() * s.out_w() * s.out_c;
  std::vector<float> weights(s.out_c * s.in_c * s.kernel_h * s.kernel_w), bias(s.out_c, 0.05f);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37 % 101) - 50) / 200.0f;
  e.bias = bias.data();
  float* x = aligned<float>(in);
  float* y = aligned<float>(out);
  uint16_t* y_bf16 = aligned<uint16_t>(out);
  for (int64_t i = 0; i < in; ++i) x[i] = static_cast<float>(i % 17) / 8.0f - 1.0f;
  for (size_t vi = 0; vi < f32_conv::bf16_nchw_conv_variant_count(); ++vi) {
    const NchwConvVariant& v = f32_conv::bf16_nchw_conv_variants()[vi];
    if (v.isa == Isa::kScalar || !usable(v.isa)) continue;
    // The fp32 variant of the same tile (the __avx512vnni bf16 stores pair with the __avx512 tiles);
    // the AMX variant, whose tiles no fp32 variant has, against the 6x64 one.
    std::string twin_name = "f32_" + std::string(v.name).substr(5);
    twin_name = twin_name.substr(0, twin_name.rfind("__")) + (v.isa == Isa::kAvx2 ? "__avx2" : "__avx512");
    if (v.amx) twin_name = "f32_conv_nchw_6x64__avx512";
    const NchwConvVariant& twin = *f32_conv::find_nchw_conv_variant(twin_name.c_str());
    float* packed = aligned<float>(f32_conv::nchw_conv_packed_size(v, s));
    float* twin_packed = aligned<float>(f32_conv::nchw_conv_packed_size(twin, s));
    f32_conv::nchw_conv_pack(v, s, weights.data(), packed);
    f32_conv::nchw_conv_pack(twin, s, weights.data(), twin_packed);
    f32_conv::ConvParams p;
    p.input = x, p.packed_weights = twin_packed, p.epilogue = e;
    f32_conv::ConvParams p_bf16 = p;
    p_bf16.packed_weights = packed;
    p.output = y;
    auto fp32 = [&] { f32_conv::nchw_conv_run(twin, s, p, pool); };
    auto bf16 = [&] { f32_conv::nchw_conv_run_bf16(v, s, p_bf16, y_bf16, pool); };
    fp32(), bf16();
    double best_fp32 = 1e30, best_bf16 = 1e30;
    for (int r = 0; r < repeats; ++r) {
      best_fp32 = std::min(best_fp32, time_us(fp32));
      best_bf16 = std::min(best_bf16, time_us(bf16));
    }
    std::printf("%-40s threads %d  %-28s fp32 out %7.1f us   %-32s bf16 out %7.1f us\n", label, threads, twin.name,
                best_fp32, v.name, best_bf16);
    std::free(packed), std::free(twin_packed);
  }
  std::free(x), std::free(y), std::free(y_bf16);
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
