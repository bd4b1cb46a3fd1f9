// bf16 GEMM with fp32 A and C, as bf16 transformer engines run it (AMX: each tile finished in
// registers): the erf GELU over pre-activations from -24 to 24 against double erf (K = 1, B = 1,
// so C is GELU of A), and C written as a column range of wider rows (ldc > N, the residual with
// its own stride) over large pre-activations and 1 or 2 threads, against the scalar reference,
// with the columns past N left untouched. Variants this CPU cannot run are skipped, not failed.
#include <cmath>
#include <cstdlib>

#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using lowp_gemm::Format;
using lowp_gemm::LowpParams;
using lowp_gemm::LowpVariant;

struct Packed {
  Packed(const LowpVariant& v, int64_t k, int64_t n, const float* b)
      : data(std::aligned_alloc(64, lowp_gemm::packed_b_bytes(v, k, n))) {
    lowp_gemm::pack_b(v, k, n, b, n, 1, nullptr, 0, data);
  }
  ~Packed() { std::free(data); }
  void* data;
};

template <class Fn>
void for_each_bf16_variant(Tally& tally, Fn fn) {
  for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
    const LowpVariant& v = lowp_gemm::variants()[i];
    if (v.format != Format::kBf16) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    fn(v);
  }
}

// C = GELU(A · 1) with K = 1: every output is GELU of a bf16 value of A (exactly representable).
void test_gelu(Tally& tally, ThreadPool& pool) {
  const int64_t m = 769, n = 17;  // A: -24 .. 24 in steps of 1/16, rounded to bf16 past |x| = 16
  Buffer a = aligned_buffer(m), b = aligned_buffer(n), c = aligned_buffer(m * n), want = aligned_buffer(m * n);
  for (int64_t i = 0; i < m; ++i) {
    a[i] = lowp_gemm::bf16_to_float(lowp_gemm::float_to_bf16(-24.0f + static_cast<float>(i) / 16.0f));
  }
  for (int64_t j = 0; j < n; ++j) b[j] = 1.0f;
  for (int64_t i = 0; i < m; ++i) {
    const double x = a[i];
    for (int64_t j = 0; j < n; ++j) want[i * n + j] = static_cast<float>(0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))));
  }
  for_each_bf16_variant(tally, [&](const LowpVariant& v) {
    const Packed packed(v, 1, n, b.get());
    for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
      LowpParams p;
      p.m = m, p.n = n, p.k = 1, p.a = a.get(), p.lda = 1, p.packed_b = packed.data, p.c = c.get(), p.ldc = n;
      p.epilogue.activation = f32_gemm::Activation::kGeluErf;
      lowp_gemm::gemm(v, p, threads);
      // erf's approximation is within 1.5e-7: GELU within |x| 0.75e-7 plus rounding.
      expect_close(tally, format("%s GELU(x) for x in [-24, 24] vs double erf%s", v.name, threads ? " threads=2" : ""),
                   c.get(), n, want.get(), n, m, n, 4e-7, 2e-7);
    }
  });
}

// C a column range of rows ldc wide (concat elimination), residual rows of their own stride, A
// scaled so pre-activations reach +-40 (GELU's e^{-z^2} cut-off and both signs).
void test_strided(Tally& tally, ThreadPool& pool) {
  struct Shape { int64_t m, n, k; f32_gemm::Activation activation; };
  const Shape shapes[] = {{128, 256, 256, f32_gemm::Activation::kGeluErf}, {100, 70, 300, f32_gemm::Activation::kGeluErf},
                          {33, 45, 1031, f32_gemm::Activation::kRelu}, {161, 31, 33, f32_gemm::Activation::kNone}};
  const LowpVariant* reference = nullptr;
  for_each_bf16_variant(tally, [&](const LowpVariant& v) { if (v.isa == Isa::kScalar) reference = &v; });
  for (const Shape& s : shapes) {
    const int64_t ldc = s.n + 19, residual_stride = s.n + 5;
    Buffer a = random_buffer(s.m * s.k, -4.0f, 4.0f), b = random_buffer(s.k * s.n);
    Buffer bias = random_buffer(s.n), residual = random_buffer(s.m * residual_stride);
    Buffer want = aligned_buffer(s.m * ldc), got = aligned_buffer(s.m * ldc);
    auto run = [&](const LowpVariant& v, float* c, ThreadPool* threads) {
      for (int64_t i = 0; i < s.m * ldc; ++i) c[i] = 1234.5f;
      const Packed packed(v, s.k, s.n, b.get());
      LowpParams p;
      p.m = s.m, p.n = s.n, p.k = s.k, p.a = a.get(), p.lda = s.k, p.packed_b = packed.data, p.c = c, p.ldc = ldc;
      p.epilogue.bias = bias.get(), p.epilogue.activation = s.activation;
      p.epilogue.residual = residual.get(), p.epilogue.residual_stride = residual_stride;
      lowp_gemm::gemm(v, p, threads);
    };
    run(*reference, want.get(), nullptr);
    for_each_bf16_variant(tally, [&](const LowpVariant& v) {
      if (&v == reference) return;
      for (ThreadPool* threads : {static_cast<ThreadPool*>(nullptr), &pool}) {
        run(v, got.get(), threads);
        // Pre-activations ~ 4x the sweep's: the same relative tolerance, 4x its absolute one.
        expect_close(tally, format("%s M=%lld N=%lld K=%lld ldc=%lld %s +bias +residual(stride %lld)%s vs %s", v.name,
                                   (long long)s.m, (long long)s.n, (long long)s.k, (long long)ldc,
                                   f32_gemm::activation_name(s.activation), (long long)residual_stride,
                                   threads ? " threads=2" : "", reference->name),
                     got.get(), ldc, want.get(), ldc, s.m, ldc, 8e-6 * (s.k + 8), 1e-5);
      }
    });
  }
}

}  // namespace

void run_lowp_bf16_tests(Tally& tally) {
  ThreadPool pool(2);
  test_gelu(tally, pool);
  test_strided(tally, pool);
}

}  // namespace kiln::test
