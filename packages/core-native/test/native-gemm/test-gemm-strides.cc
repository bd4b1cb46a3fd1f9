// f32 GEMM and GEMM-based conv variants on strided operands: A with lda > K, C with ldc > N (the
// columns past N must stay untouched, as concat elimination relies on), a residual with its own
// stride, on the packed and in-place A paths, at 1 and 2 threads, against double-precision loops.
#include <cstring>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemm/ukernels.h"
#include "kernels/f32-gemm/variants.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using f32_gemm::Activation;
using f32_gemm::Epilogue;
using f32_gemm::GemmVariant;

constexpr float kSentinel = 12345.0f;
constexpr Activation kActivations[] = {Activation::kNone, Activation::kRelu, Activation::kClip,
                                       Activation::kLeakyRelu, Activation::kSilu,
                                       Activation::kGeluErf};

Epilogue epilogue_for(int round, const float* bias, const float* residual, int64_t stride) {
  Epilogue e;
  e.activation = kActivations[round % 6];
  if (e.activation == Activation::kClip) e.alpha = -0.25f, e.beta = 0.5f;
  if (e.activation == Activation::kLeakyRelu) e.alpha = 0.1f;
  if (round % 2 == 0) e.bias = bias;
  if (round % 3 == 1) e.residual = residual, e.residual_stride = stride;
  return e;
}

// Checks C's padding columns [n, ldc) kept the sentinel.
void expect_padding_kept(Tally& tally, const std::string& what, const float* c, int64_t m,
                         int64_t n, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = n; j < ldc; ++j) {
      if (c[i * ldc + j] != kSentinel) {
        ++tally.failed;
        if (tally.failures_printed++ < 40) {
          std::printf("FAIL %s: wrote C[%lld,%lld] past N\n", what.c_str(), (long long)i,
                      (long long)j);
        }
        return;
      }
    }
  }
  ++tally.passed;
}

void check_gemm(Tally& tally, const GemmVariant& variant, f32_gemm::APath path, int64_t m,
                int64_t n, int64_t k, int round, ThreadPool* pool, int64_t lda = 0) {
  if (lda == 0) lda = k + 5;
  const int64_t ldc = n + 7, residual_stride = n + 3;
  Buffer a = random_buffer(m * lda), b = random_buffer(k * n), bias = random_buffer(n);
  Buffer residual = random_buffer(m * residual_stride);
  Buffer packed = aligned_buffer(f32_gemm::packed_b_size(variant, k, n));
  f32_gemm::pack_b(variant, k, n, b.get(), n, 1, packed.get());
  Buffer got = aligned_buffer(m * ldc), want = aligned_buffer(m * n);
  for (int64_t i = 0; i < m * ldc; ++i) got[i] = kSentinel;
  f32_gemm::GemmParams p;
  p.m = m, p.n = n, p.k = k, p.a = a.get(), p.lda = lda, p.packed_b = packed.get();
  p.c = got.get(), p.ldc = ldc, p.a_path = path;
  p.epilogue = epilogue_for(round, bias.get(), residual.get(), residual_stride);
  f32_gemm::gemm(variant, p, pool);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = p.epilogue.bias != nullptr ? bias[j] : 0.0;
      if (p.epilogue.residual != nullptr) sum += residual[i * residual_stride + j];
      for (int64_t kk = 0; kk < k; ++kk) sum += double(a[i * lda + kk]) * b[kk * n + j];
      want[i * n + j] = f32_gemm::activate_scalar(static_cast<float>(sum), p.epilogue);
    }
  }
  const std::string what =
      format("%s strided M=%lld N=%lld K=%lld lda=%lld ldc=%lld %s%s%s %s%s", variant.name,
             (long long)m, (long long)n, (long long)k, (long long)lda, (long long)ldc,
             f32_gemm::activation_name(p.epilogue.activation), p.epilogue.bias ? " +bias" : "",
             p.epilogue.residual ? " +residual" : "",
             path == f32_gemm::APath::kDirect ? "A in place"
             : path == f32_gemm::APath::kAuto ? "A auto"
                                              : "A packed",
             pool != nullptr ? " threads=2" : "");
  expect_close(tally, what, got.get(), ldc, want.get(), n, m, n, 2e-6 * (k + 8), 4e-6);
  expect_padding_kept(tally, what, got.get(), m, n, ldc);
}

void test_gemm_strides(Tally& tally, ThreadPool& pool) {
  for (size_t v = 0; v + 1 < f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = f32_gemm::variants()[v];
    if (!host_supports(variant.isa)) {
      ++tally.skipped;
      continue;
    }
    const int64_t ms[] = {1, 15, 17, 33, variant.mr, variant.mr + 1, 2 * variant.mr - 1};
    const int64_t ns[] = {1, 15, 17, 33, variant.nr - 1, variant.nr + 1};
    const int64_t ks[] = {1, 17, 33, variant.kc + 3};
    int round = 0;
    for (f32_gemm::APath path : {f32_gemm::APath::kPacked, f32_gemm::APath::kDirect}) {
      for (int64_t m : ms) {
        for (int64_t n : ns) {
          const int64_t k = ks[(round + m) % 4];
          check_gemm(tally, variant, path, m, n, k, round, round % 4 == 3 ? &pool : nullptr);
          ++round;
        }
      }
      check_gemm(tally, variant, path, 97, 2 * variant.nr + 3, 45, round++, &pool);
    }
  }
}

// Blocking edges: K over several K blocks with a short last one (1031, 1000, 300), row strides
// whose rows share L1 sets (lda = 512, 1024), M split over 2 threads into row chunks that are not
// multiples of MR (128 = 64 + 64, 129, 1001 rows), and the bert_mini FFN shapes themselves.
void test_gemm_blocking(Tally& tally, ThreadPool& pool) {
  struct Case {
    int64_t m, n, k, lda;
  };
  const Case cases[] = {{33, 100, 1031, 0},  {17, 65, 300, 1024}, {29, 97, 1000, 1024},
                        {15, 80, 200, 512},  {128, 96, 1024, 1024}, {129, 70, 256, 256},
                        {1001, 33, 17, 0},   {128, 256, 1024, 0},  {128, 1024, 256, 0}};
  int round = 0;
  for (size_t v = 0; v + 1 < f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = f32_gemm::variants()[v];
    if (!host_supports(variant.isa)) {
      ++tally.skipped;
      continue;
    }
    for (const Case& c : cases) {
      for (f32_gemm::APath path : {f32_gemm::APath::kAuto, f32_gemm::APath::kDirect}) {
        // The large shapes once per variant, at 2 threads, to keep the run short.
        const bool large = c.m * c.n * c.k > 2000000;
        if (large && path == f32_gemm::APath::kDirect) continue;
        check_gemm(tally, variant, path, c.m, c.n, c.k, round, round % 2 == 0 || large ? &pool : nullptr,
                   c.lda);
        ++round;
      }
    }
  }
}

// GEMM-based convolutions writing into a wider output (a slice of a channel concat).
void test_conv_output_stride(Tally& tally, ThreadPool& pool) {
  const f32_conv::ConvVariant& reference =
      f32_conv::conv_variants()[f32_conv::conv_variant_count() - 1];
  struct Case { int64_t hw, cin, cout, kernel, stride, pad; };
  const Case cases[] = {{9, 13, 16, 1, 1, 0}, {7, 8, 17, 1, 2, 0}, {8, 5, 33, 3, 1, 1},
                        {10, 16, 48, 3, 2, 1}, {6, 3, 15, 3, 1, 0}};
  int round = 0;
  for (size_t v = 0; v + 1 < f32_conv::conv_variant_count(); ++v) {
    const f32_conv::ConvVariant& variant = f32_conv::conv_variants()[v];
    const std::string name = variant.name;
    if (!host_supports(variant.isa) || name.find("dwconv") != std::string::npos) continue;
    for (const Case& c : cases) {
      f32_conv::ConvShape s;
      s.in_h = s.in_w = c.hw, s.in_c = c.cin, s.out_c = c.cout;
      s.kernel_h = s.kernel_w = c.kernel, s.stride_h = s.stride_w = c.stride;
      s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = c.pad;
      if (!f32_conv::applies(variant, max_isa(), s)) continue;
      const int64_t pixels = s.out_h() * s.out_w(), ldc = s.out_c + 9;
      Buffer input = random_buffer(s.in_h * s.in_w * s.in_c);
      Buffer weights = random_buffer(s.out_c * s.in_c * c.kernel * c.kernel);
      Buffer bias = random_buffer(s.out_c);
      Buffer packed = aligned_buffer(variant.packed_size(s));
      Buffer packed_ref = aligned_buffer(reference.packed_size(s));
      variant.pack(s, weights.get(), packed.get());
      reference.pack(s, weights.get(), packed_ref.get());
      f32_conv::ConvParams p;
      p.input = input.get();
      p.epilogue = epilogue_for(round, bias.get(), nullptr, 0);
      Buffer want = aligned_buffer(pixels * s.out_c);
      p.packed_weights = packed_ref.get();
      p.output = want.get();
      reference.run(s, p, nullptr);
      for (const bool im2col : {false, true}) {
        Buffer got = aligned_buffer(pixels * ldc);
        for (int64_t i = 0; i < pixels * ldc; ++i) got[i] = kSentinel;
        p.packed_weights = packed.get();
        p.output = got.get();
        p.output_stride = ldc;
        p.force_im2col = im2col;
        variant.run(s, p, round % 2 == 1 ? &pool : nullptr);
        p.output_stride = 0;
        const std::string what = format(
            "%s output_stride %lld %lldx%lldx%lld->%lld k%lld s%lld%s%s", variant.name,
            (long long)ldc, (long long)c.hw, (long long)c.hw, (long long)c.cin,
            (long long)c.cout, (long long)c.kernel, (long long)c.stride,
            im2col ? " im2col" : "", round % 2 == 1 ? " threads=2" : "");
        const int64_t k = s.in_c * c.kernel * c.kernel;
        expect_close(tally, what, got.get(), ldc, want.get(), s.out_c, pixels, s.out_c,
                     2e-6 * (k + 8), 4e-6);
        expect_padding_kept(tally, what, got.get(), pixels, s.out_c, ldc);
      }
      ++round;
    }
  }
}

}  // namespace

void run_gemm_stride_tests(Tally& tally) {
  ThreadPool pool(2);
  test_gemm_strides(tally, pool);
  test_gemm_blocking(tally, pool);
  test_conv_output_stride(tally, pool);
}

}  // namespace kiln::test
