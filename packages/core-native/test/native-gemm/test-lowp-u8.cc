// qu8 GEMMs with int8 activations: uint8 A (read in place when K is whole quads, packed
// otherwise), uint8 C, fp32 or uint8 residual, ReLU/Clip/no activation, against the scalar
// reference bit for bit (the int32 sums are exact and both finish with one fmadd per value,
// the same clamp and requantize), over tile edges, K that is and is not a multiple of 4, row
// strides wider than K, zero points != 0, per-channel weight scales, 1 and 2 threads. The uint8
// residual is dequantized with one more rounding on the scalar path: allowed one step there.
#include <vector>

#include "runtime/thread_pool.h"
#include "test-qu8.h"

namespace kiln::test {

void run_lowp_u8_tests(Tally& tally) {
  ThreadPool pool(2);
  const Qu8Grids grids{{0.013f, 117}, {0.021f, 61}, {0.017f, 9}, -0.4f, 1.5f};
  const int64_t ms[] = {1, 13, 14, 15, 29, 67};
  const int64_t ns[] = {1, 16, 17, 32, 33, 96};
  const int64_t ks[] = {3, 4, 16, 24, 27, 64, 100};
  const f32_gemm::Activation activations[] = {f32_gemm::Activation::kNone, f32_gemm::Activation::kRelu,
                                              f32_gemm::Activation::kClip};
  for (size_t vi = 0; vi < lowp_gemm::variant_count(); ++vi) {
    const lowp_gemm::LowpVariant& v = lowp_gemm::variants()[vi];
    if (v.format != lowp_gemm::Format::kQu8 || v.isa == Isa::kScalar) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    int round = 0;
    for (int64_t m : ms) {
      for (int64_t k : ks) {
        ++round;
        const int64_t n = ns[(round * 5 + vi) % 6];
        const Qu8Case c{m, n, k, k + (round % 3 == 0 ? 5 : 0), activations[round % 3], round % 3, round % 4 != 3, grids};
        Buffer a = random_buffer(m * c.lda, -1.5f, 1.8f), b = random_buffer(k * n);
        Buffer bias = random_buffer(n), residual = random_buffer(m * n), scales = random_buffer(n, 0.002f, 0.02f);
        // A's last row ends at k, not lda: reads past it would be caught by ASan.
        std::vector<uint8_t> a_u8 = random_bytes((m - 1) * c.lda + k), residual_u8 = random_bytes(m * n);
        const Qu8Operands in{a.get(), a_u8.data(), b.get(), scales.get(), bias.get(), residual.get(), residual_u8.data()};
        check_qu8(tally, v, c, in, round % 2 ? &pool : nullptr);
      }
    }
  }
}

}  // namespace kiln::test
