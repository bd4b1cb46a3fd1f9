// bf16 conv layer benchmark: convolutions as a bf16 engine runs them (bfloat16 NHWC in and out,
// bias and ReLU), on every vector bf16_conv variant that takes the shape (GEMM-based on AMX or
// AVX512-BF16, and the Winograd twins), at 1 and 2 threads. Shapes: squeezenet1_1's 3x3 expand
// convolutions and a few of its and mobilenet_v2's 1x1 convolutions. Prints the fastest of the
// repeats in microseconds and GFLOP/s (of the direct convolution's multiply-adds). Arguments:
// --repeats R (200), --filter TEXT (layers whose label contains it), --variant TEXT.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench-util.h"
#include "kernels/lowp-conv/conv.h"
#include "runtime/thread_pool.h"

using namespace kiln;
using bench_util::aligned;
using bench_util::fastest_us;
using bench_util::same_padded;
using f32_conv::ConvShape;

namespace {

int repeats = 200;
std::string filter;
std::string variant;

void bench(const char* label, const ConvShape& s, ThreadPool* pool) {
  if (std::string(label).find(filter) == std::string::npos) return;
  const int64_t in = s.in_h * s.in_w * s.in_c, out = s.out_h() * s.out_w() * s.out_c;
  std::vector<float> weights(s.out_c * s.in_c * s.kernel_h * s.kernel_w), bias(s.out_c, 0.05f);
  for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<float>((i * 37 % 101) - 50) / 200.0f;
  uint16_t* x = aligned<uint16_t>(in);
  for (int64_t i = 0; i < in; ++i) x[i] = lowp_gemm::float_to_bf16(static_cast<float>(i % 17) / 8.0f - 1.0f);
  uint16_t* y = aligned<uint16_t>(out);
  const double flops = 2.0 * out * s.in_c * s.kernel_h * s.kernel_w;
  for (size_t vi = 0; vi < lowp_conv::conv_variant_count(); ++vi) {
    const lowp_conv::ConvVariant& v = lowp_conv::conv_variants()[vi];
    if (std::strncmp(v.name, "bf16_", 5) != 0 || v.isa == Isa::kScalar ||
        static_cast<int>(v.isa) > static_cast<int>(max_isa()) || !lowp_conv::applies(v, s) ||
        std::string(v.name).find(variant) == std::string::npos) {
      continue;
    }
    void* packed = aligned<uint8_t>(lowp_conv::packed_bytes(v, s));
    lowp_conv::pack(v, s, weights.data(), nullptr, 0, packed);
    lowp_conv::ConvParams p;
    p.input_bf16 = x, p.output_bf16 = y, p.packed_weights = packed;
    p.epilogue.bias = bias.data();
    p.epilogue.activation = f32_gemm::Activation::kRelu;
    const double us = fastest_us(repeats, [&] { lowp_conv::run(v, s, p, pool); });
    std::printf("%-30s threads %d  %8.1f us  %7.0f GFLOP/s  %s\n", label, pool != nullptr ? pool->size() : 1, us,
                flops / us * 1e-3, v.name);
    std::free(packed);
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
    bench("3x3 55x55x16->64", same_padded(55, 55, 16, 64, 3), p);
    bench("3x3 27x27x32->128", same_padded(27, 27, 32, 128, 3), p);
    bench("3x3 13x13x48->192", same_padded(13, 13, 48, 192, 3), p);
    bench("3x3 13x13x64->256", same_padded(13, 13, 64, 256, 3), p);
    bench("1x1 55x55x128->16", same_padded(55, 55, 128, 16, 1), p);
    bench("1x1 55x55x16->64", same_padded(55, 55, 16, 64, 1), p);
    bench("1x1 13x13x512->1000", same_padded(13, 13, 512, 1000, 1), p);
    bench("1x1 112x112x16->96", same_padded(112, 112, 16, 96, 1), p);
    bench("1x1 56x56x144->24", same_padded(56, 56, 144, 24, 1), p);
  }
  return 0;
}
