// f32 GEMM family tests: scalar reference vs naive double loops; every fast variant vs the scalar
// reference over size sweeps and every epilogue; threading; batched MatMul with strided and
// transposed B; vector activations vs std:: math.
#include <algorithm>
#include <cstring>

#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemm/ukernels.h"
#include "kernels/f32-gemm/variants.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using f32_gemm::Activation;
using f32_gemm::Epilogue;
using f32_gemm::GemmParams;
using f32_gemm::GemmVariant;

constexpr Activation kActivations[] = {
    Activation::kNone,    Activation::kRelu, Activation::kClip,      Activation::kLeakyRelu,
    Activation::kSigmoid, Activation::kTanh, Activation::kSilu,      Activation::kHardSwish,
    Activation::kGeluErf, Activation::kGeluTanh};

const GemmVariant& scalar_variant() {
  return f32_gemm::variants()[f32_gemm::variant_count() - 1];
}

Epilogue make_epilogue(Activation activation) {
  Epilogue e;
  e.activation = activation;
  if (activation == Activation::kClip) e.alpha = -0.5f, e.beta = 0.75f;
  if (activation == Activation::kLeakyRelu) e.alpha = 0.1f;
  return e;
}

// The A path the fast variants are tested on (test_variants runs every case on each).
f32_gemm::APath g_a_path = f32_gemm::APath::kAuto;

// Runs `variant` on A (m x k) · B (k x n) with the epilogue; c must hold the residual already if
// the epilogue's residual is c itself.
void run_gemm(const GemmVariant& variant, int64_t m, int64_t n, int64_t k, const float* a,
              const float* b, float* c, const Epilogue& epilogue, ThreadPool* pool) {
  Buffer packed = aligned_buffer(f32_gemm::packed_b_size(variant, k, n));
  f32_gemm::pack_b(variant, k, n, b, n, 1, packed.get());
  GemmParams p;
  p.m = m, p.n = n, p.k = k, p.a = a, p.lda = k, p.packed_b = packed.get(), p.c = c, p.ldc = n;
  p.epilogue = epilogue;
  p.a_path = g_a_path;
  f32_gemm::gemm(variant, p, pool);
}

double gemm_atol(int64_t k) { return 2e-6 * (k + 8); }

void test_scalar_vs_naive(Tally& tally) {
  const int64_t sizes[] = {1, 3, 4, 5, 17, 64};
  const GemmVariant& scalar = scalar_variant();
  for (int64_t m : sizes) {
    for (int64_t k : {1, 7, 300}) {
      const int64_t n = m + 2;
      Buffer a = random_buffer(m * k), b = random_buffer(k * n), bias = random_buffer(n);
      Buffer c = aligned_buffer(m * n), want = aligned_buffer(m * n);
      Epilogue e = make_epilogue(Activation::kTanh);
      e.bias = bias.get();
      run_gemm(scalar, m, n, k, a.get(), b.get(), c.get(), e, nullptr);
      for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
          double sum = bias[j];
          for (int64_t kk = 0; kk < k; ++kk) sum += double(a[i * k + kk]) * b[kk * n + j];
          want[i * n + j] = static_cast<float>(std::tanh(sum));
        }
      }
      expect_close(tally, format("%s vs naive M=%lld N=%lld K=%lld", scalar.name, (long long)m,
                                 (long long)n, (long long)k),
                   c.get(), n, want.get(), n, m, n, gemm_atol(k), 1e-6);
    }
  }
}

void compare_variant(Tally& tally, const GemmVariant& variant, int64_t m, int64_t n, int64_t k,
                     Activation activation, bool with_bias, int residual_mode, ThreadPool* pool) {
  // residual_mode: 0 none, 1 separate tensor, 2 residual aliases C (in-place add)
  Buffer a = random_buffer(m * k), b = random_buffer(k * n), bias = random_buffer(n);
  Buffer residual = random_buffer(m * n);
  Buffer got = aligned_buffer(m * n), want = aligned_buffer(m * n);
  Epilogue e = make_epilogue(activation);
  if (with_bias) e.bias = bias.get();
  Epilogue e_want = e;
  if (residual_mode == 1) {
    e.residual = e_want.residual = residual.get();
    e.residual_stride = e_want.residual_stride = n;
  } else if (residual_mode == 2) {
    std::memcpy(got.get(), residual.get(), sizeof(float) * m * n);
    e.residual = got.get();
    e.residual_stride = n;
    e_want.residual = residual.get();
    e_want.residual_stride = n;
  }
  run_gemm(variant, m, n, k, a.get(), b.get(), got.get(), e, pool);
  run_gemm(scalar_variant(), m, n, k, a.get(), b.get(), want.get(), e_want, nullptr);
  const char* residual_names[] = {"", " +residual", " +residual(in C)"};
  expect_close(tally,
               format("%s M=%lld N=%lld K=%lld %s%s%s%s", variant.name, (long long)m,
                      (long long)n, (long long)k, f32_gemm::activation_name(activation),
                      with_bias ? " +bias" : "", residual_names[residual_mode],
                      pool != nullptr ? " threads=2" : ""),
               got.get(), n, want.get(), n, m, n, gemm_atol(k), 4e-6);
}

void test_variants_on_path(Tally& tally, ThreadPool& pool) {
  const int64_t primes[] = {1, 2, 3, 5, 7, 13, 17, 31, 33, 47, 64, 65, 127, 129};
  for (size_t v = 0; v + 1 < f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = f32_gemm::variants()[v];
    if (!host_supports(variant.isa)) {
      std::printf("skip %s (host ISA %s)\n", variant.name, isa_name(max_isa()));
      ++tally.skipped;
      continue;
    }
    int round = 0;
    // Sizes around and at multiples of the register tile, odd and prime sizes.
    std::vector<int64_t> ms(std::begin(primes), std::end(primes));
    std::vector<int64_t> ns(std::begin(primes), std::end(primes));
    for (int64_t d : {-1, 0, 1}) {
      ms.push_back(variant.mr + d), ms.push_back(2 * variant.mr + d);
      ns.push_back(variant.nr + d), ns.push_back(3 * variant.nr + d);
    }
    const int64_t ks[] = {1, 2, 7, 16, 33, 129, 300};
    for (int64_t m : ms) {
      for (int64_t n : ns) {
        if (m < 1 || n < 1) continue;
        const int64_t k = ks[(round * 7 + m + n) % 7];
        const Activation act = kActivations[round % 10];
        compare_variant(tally, variant, m, n, k, act, round % 2 == 0, round % 3, nullptr);
        ++round;
      }
    }
    // Every epilogue with and without bias/residual at a tile-straddling shape, K over two blocks.
    for (Activation act : kActivations) {
      for (int mode = 0; mode < 6; ++mode) {
        compare_variant(tally, variant, variant.mr + 3, variant.nr * 2 + 5, variant.kc + 11, act,
                        mode % 2 == 1, mode / 2, nullptr);
      }
    }
    // Threaded: large enough to be split.
    compare_variant(tally, variant, 131, 257, 96, Activation::kRelu, true, 1, &pool);
    compare_variant(tally, variant, 7, 1000, 64, Activation::kNone, false, 2, &pool);
    compare_variant(tally, variant, 515, 19, 40, Activation::kSilu, true, 0, &pool);
  }
}

// Every case on the packed-A path and on the in-place-A path (variants that have one).
void test_variants(Tally& tally, ThreadPool& pool) {
  for (f32_gemm::APath path : {f32_gemm::APath::kPacked, f32_gemm::APath::kDirect}) {
    g_a_path = path;
    test_variants_on_path(tally, pool);
  }
  g_a_path = f32_gemm::APath::kAuto;
}

void test_batched_matmul(Tally& tally, ThreadPool& pool) {
  for (size_t v = 0; v < f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = f32_gemm::variants()[v];
    if (!host_supports(variant.isa)) continue;
    for (bool transpose_b : {false, true}) {
      for (int64_t batch : {1, 3}) {
        const int64_t m = 37, n = 29, k = 18;
        // A with padded rows (lda > k), B per batch either [k][n] or [n][k] (transposed).
        const int64_t lda = k + 3, ldb = transpose_b ? k + 1 : n + 2, ldc = n + 4;
        const int64_t b_rows = transpose_b ? n : k;
        Buffer a = random_buffer(batch * m * lda), b = random_buffer(batch * b_rows * ldb);
        Buffer c = aligned_buffer(batch * m * ldc), want = aligned_buffer(batch * m * ldc);
        f32_gemm::BatchedMatmulParams p;
        p.batch = batch, p.m = m, p.n = n, p.k = k;
        p.a = a.get(), p.a_batch_stride = m * lda, p.lda = lda;
        p.b = b.get(), p.b_batch_stride = b_rows * ldb;
        p.b_k_stride = transpose_b ? 1 : ldb;
        p.b_n_stride = transpose_b ? ldb : 1;
        p.c = c.get(), p.c_batch_stride = m * ldc, p.ldc = ldc;
        p.epilogue = make_epilogue(Activation::kGeluErf);
        f32_gemm::batched_matmul(variant, p, batch == 3 ? &pool : nullptr);
        for (int64_t bi = 0; bi < batch; ++bi) {
          for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) {
              double sum = 0.0;
              for (int64_t kk = 0; kk < k; ++kk) {
                sum += double(a[bi * m * lda + i * lda + kk]) *
                       b[bi * b_rows * ldb + kk * p.b_k_stride + j * p.b_n_stride];
              }
              want[bi * m * ldc + i * ldc + j] =
                  f32_gemm::activate_scalar(static_cast<float>(sum), p.epilogue);
            }
          }
        }
        expect_close(tally, format("%s batched_matmul batch=%lld M=%lld N=%lld K=%lld%s",
                                   variant.name, (long long)batch, (long long)m, (long long)n,
                                   (long long)k, transpose_b ? " transB" : ""),
                     c.get(), ldc, want.get(), ldc, batch * m, n, gemm_atol(k), 4e-6);
      }
    }
  }
}

void test_activations(Tally& tally) {
  std::vector<float> xs;
  for (float x = -30.0f; x <= 30.0f; x += 0.0137f) xs.push_back(x);
  for (float x : {0.0f, -0.0f, 1e-8f, -1e-8f, 1e-4f, 0.4999f, 0.5f, 0.5001f, -0.5f, 88.0f, -88.0f,
                  100.0f, -100.0f, 1e30f, -1e30f}) {
    xs.push_back(x);
  }
  const int64_t n = static_cast<int64_t>(xs.size());
  for (size_t v = 0; v < f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = f32_gemm::variants()[v];
    if (!host_supports(variant.isa) || variant.isa == Isa::kScalar) continue;
    if (v > 0 && f32_gemm::variants()[v - 1].epilogue_row == variant.epilogue_row) continue;
    for (Activation act : kActivations) {
      const Epilogue e = make_epilogue(act);
      std::vector<float> got(xs), want(xs);
      variant.epilogue_row(got.data(), n, nullptr, nullptr, e);
      f32_gemm::f32_epilogue_row__scalar(want.data(), n, nullptr, nullptr, e);
      expect_close(tally, format("%s activation %s", variant.name, f32_gemm::activation_name(act)),
                   got.data(), n, want.data(), n, 1, n, 5e-7, 2e-6);
    }
  }
}

}  // namespace

void run_gemm_tests(Tally& tally) {
  ThreadPool pool(2);
  test_scalar_vs_naive(tally);
  test_activations(tally);
  test_variants(tally, pool);
  test_batched_matmul(tally, pool);
}

}  // namespace kiln::test
