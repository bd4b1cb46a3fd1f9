// qu8 GEMMs with int8 activations: uint8 A (read in place when K is whole quads, packed
// otherwise), uint8 C, fp32 or uint8 residual, ReLU/Clip/no activation, against the scalar
// reference bit for bit (the int32 sums are exact and both finish with one fmadd per value,
// the same clamp and requantize), over tile edges, K that is and is not a multiple of 4, row
// strides wider than K, zero points != 0, per-channel weight scales, 1 and 2 threads. The uint8
// residual is dequantized with one more rounding on the scalar path: allowed one step there.
#include <cstdlib>
#include <cstring>
#include <vector>

#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using lowp_gemm::LowpParams;
using lowp_gemm::LowpVariant;
using lowp_gemm::Quantization;

struct U8Case {
  int64_t m, n, k, lda;
  f32_gemm::Activation activation;
  int residual;  // 0 none, 1 fp32, 2 uint8
  bool a_u8;
};

std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng()() & 255);
  return bytes;
}

void run_u8(const LowpVariant& v, const U8Case& c, const float* a, const uint8_t* a_u8, const float* b,
            const float* w_scales, const float* bias, const float* residual, const uint8_t* residual_u8,
            uint8_t* out, ThreadPool* pool) {
  void* packed = std::aligned_alloc(64, (lowp_gemm::packed_b_bytes(v, c.k, c.n) + 63) / 64 * 64);
  lowp_gemm::pack_b(v, c.k, c.n, b, c.n, 1, w_scales, c.n, packed);
  LowpParams p;
  p.m = c.m, p.n = c.n, p.k = c.k, p.lda = c.lda, p.packed_b = packed, p.ldc = c.n;
  if (c.a_u8) {
    p.a_u8 = a_u8;
  } else {
    p.a = a;
  }
  p.quantization = {0.013f, 117};
  p.c_u8 = out;
  p.output = {0.021f, 61};
  p.epilogue.bias = bias;
  p.epilogue.activation = c.activation;
  if (c.activation == f32_gemm::Activation::kClip) p.epilogue.alpha = -0.4f, p.epilogue.beta = 1.5f;
  p.epilogue.residual_stride = c.n;
  if (c.residual == 1) p.epilogue.residual = residual;
  if (c.residual == 2) p.residual_u8 = residual_u8, p.residual_grid = {0.017f, 9};
  lowp_gemm::gemm(v, p, pool);
  std::free(packed);
}

const LowpVariant* qu8_reference() {
  const LowpVariant* found = nullptr;
  for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
    const LowpVariant& v = lowp_gemm::variants()[i];
    if (v.format == lowp_gemm::Format::kQu8 && v.isa == Isa::kScalar) found = &v;
  }
  return found;
}

}  // namespace

void run_lowp_u8_tests(Tally& tally) {
  ThreadPool pool(2);
  const LowpVariant* ref = qu8_reference();
  const int64_t ms[] = {1, 13, 14, 15, 29, 67};
  const int64_t ns[] = {1, 16, 17, 32, 33, 96};
  const int64_t ks[] = {3, 4, 16, 24, 27, 64, 100};
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
        const int64_t n = ns[(round * 5 + vi) % 6];
        const U8Case c{m, n, k, k + (round % 3 == 0 ? 5 : 0), activations[round % 3], round % 3, round % 4 != 3};
        Buffer a = random_buffer(m * c.lda, -1.5f, 1.8f), b = random_buffer(k * n);
        Buffer bias = random_buffer(n), residual = random_buffer(m * n), scales = random_buffer(n, 0.002f, 0.02f);
        // A's last row ends at k, not lda: reads past it would be caught by ASan.
        std::vector<uint8_t> a_u8 = random_bytes((m - 1) * c.lda + k), residual_u8 = random_bytes(m * n);
        std::vector<uint8_t> got(m * n), want(m * n);
        ThreadPool* threads = round % 2 ? &pool : nullptr;
        run_u8(v, c, a.get(), a_u8.data(), b.get(), scales.get(), bias.get(), residual.get(), residual_u8.data(),
               got.data(), threads);
        run_u8(*ref, c, a.get(), a_u8.data(), b.get(), scales.get(), bias.get(), residual.get(), residual_u8.data(),
               want.data(), nullptr);
        int worst = 0;
        int64_t at = -1;
        for (int64_t i = 0; i < m * n; ++i) {
          const int d = std::abs(int(got[i]) - int(want[i]));
          if (d > worst) worst = d, at = i;
        }
        const int allowed = c.residual == 2 ? 1 : 0;
        const bool ok = worst <= allowed;
        ok ? ++tally.passed : ++tally.failed;
        if (!ok) {
          std::printf("FAIL %s vs %s uint8 out M=%lld N=%lld K=%lld lda=%lld %s residual=%d a_u8=%d threads=%d: "
                      "|got - want| %d at [%lld, %lld] > %d\n",
                      v.name, ref->name, (long long)m, (long long)n, (long long)k, (long long)c.lda,
                      f32_gemm::activation_name(c.activation), c.residual, c.a_u8 ? 1 : 0, threads ? 2 : 1, worst,
                      (long long)(at / n), (long long)(at % n), allowed);
        }
      }
    }
  }
}

}  // namespace kiln::test
