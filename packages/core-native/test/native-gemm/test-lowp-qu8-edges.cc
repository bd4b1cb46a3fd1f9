// qu8 edges of the AMX tile (16 / 32 rows and columns, 64-byte K steps, K below 64 on narrower
// tiles) and of the quantizer: every non-scalar qu8 variant against the scalar reference bit for
// bit with uint8 output (fp32 or uint8 A, read in place or packed, fp32 or uint8 residual, ReLU/Clip/none, per-channel
// scales, zero points != 0, 1 and 2 threads), and quantize_row_u8__avx512 (no division) against
// quantize_u8 (a division) on values a few ulps from half-way points, signed zeros, infinities,
// NaN and huge values.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-qu8.h"

namespace kiln::test {
namespace {

using lowp_gemm::LowpVariant;
using lowp_gemm::Quantization;

void test_tile_edges(Tally& tally, ThreadPool& pool) {
  const Qu8Grids grids{{0.011f, 3}, {0.037f, 200}, {0.029f, 250}, -1.0f, 2.5f};
  const int64_t ms[] = {1, 16, 17, 31, 32, 33, 65};
  const int64_t ns[] = {1, 15, 16, 17, 31, 32, 33, 65};
  const int64_t ks[] = {1, 5, 16, 17, 24, 63, 64, 65, 128, 129, 300};
  const f32_gemm::Activation activations[] = {f32_gemm::Activation::kNone, f32_gemm::Activation::kRelu,
                                              f32_gemm::Activation::kClip};
  for (size_t vi = 0; vi < lowp_gemm::variant_count(); ++vi) {
    const LowpVariant& v = lowp_gemm::variants()[vi];
    if (v.format != lowp_gemm::Format::kQu8 || v.isa == Isa::kScalar) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    int round = 0;
    for (int64_t m : ms) {
      for (int64_t k : ks) {
        ++round;
        const int64_t n = ns[(round * 3 + m) % 8];
        const Qu8Case c{m, n, k, k, activations[round % 3], (round / 3) % 3, round % 2 == 0, grids};
        Buffer a = random_buffer(m * k, -0.9f, 2.0f), b = random_buffer(k * n);
        Buffer bias = random_buffer(n), residual = random_buffer(m * n), scales = random_buffer(n, 0.002f, 0.03f);
        std::vector<uint8_t> a_u8 = random_bytes(m * k), residual_u8 = random_bytes(m * n);
        const Qu8Operands in{a.get(), a_u8.data(), b.get(), scales.get(), bias.get(), residual.get(), residual_u8.data()};
        check_qu8(tally, v, c, in, round % 4 < 2 ? &pool : nullptr);
      }
    }
  }
}

float nudge(float x, int ulps) {
  int32_t bits;
  std::memcpy(&bits, &x, 4);
  bits += ulps;
  std::memcpy(&x, &bits, 4);
  return x;
}

void test_quantizer(Tally& tally) {
  if (!host_supports(Isa::kAvx512)) {
    ++tally.skipped;
    return;
  }
  std::vector<float> scales = {1.0f, 0.5f, 2.0f / 255.0f, 0.1f, 3.0f, 1e-3f, 7.5e-5f, 123.0f};
  for (int i = 0; i < 40; ++i) {
    float s = std::ldexp(1.0f + static_cast<float>(rng()() % 8388608) / 8388608.0f, static_cast<int>(rng()() % 24) - 16);
    if (i % 4 == 0) s = nudge(std::ldexp(1.0f, static_cast<int>(rng()() % 24) - 16), -1);  // significand all ones
    scales.push_back(s);
  }
  const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(), 3e38f, -3e38f, 1e-40f, -1e-40f};
  int64_t bad = 0, total = 0;
  for (float s : scales) {
    const Quantization q{s, static_cast<int32_t>(rng()() % 256)};
    std::vector<float> x(special, special + sizeof(special) / sizeof(special[0]));
    for (int j = 0; j < 600; ++j) {
      const float half_way = (static_cast<float>(static_cast<int>(rng()() % 600) - 300) + 0.5f) * s;
      x.push_back(nudge(half_way, static_cast<int>(rng()() % 7) - 3));
      x.push_back(nudge(static_cast<float>(static_cast<int>(rng()() % 600) - 300) * s, static_cast<int>(rng()() % 5) - 2));
    }
    std::vector<uint8_t> got(x.size()), want(x.size());
    lowp_gemm::quantize_row_u8__avx512(x.data(), static_cast<int64_t>(x.size()), q, got.data());
    lowp_gemm::quantize_row_u8(x.data(), static_cast<int64_t>(x.size()), q, want.data());
    for (size_t i = 0; i < x.size(); ++i) {
      ++total;
      if (got[i] != want[i] && bad++ < 3) {
        std::printf("FAIL quantize_row_u8__avx512 x=%a scale=%a zero point %d: %d, division gives %d\n", x[i], s,
                    q.zero_point, got[i], want[i]);
      }
    }
  }
  bad == 0 ? ++tally.passed : ++tally.failed;
  if (bad != 0) std::printf("FAIL quantizer: %lld of %lld values differ from the division\n", (long long)bad, (long long)total);
}

}  // namespace

void run_lowp_qu8_edge_tests(Tally& tally) {
  ThreadPool pool(2);
  test_quantizer(tally);
  test_tile_edges(tally, pool);
}

}  // namespace kiln::test
