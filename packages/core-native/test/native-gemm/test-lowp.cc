// Reduced-precision GEMM tests: conversions (RNE, subnormals, overflow) against the compiler's
// own conversions; each format's scalar reference against double loops over the rounded /
// quantized operands; every fast variant against its scalar reference over size sweeps (odd and
// prime sizes, register-tile and AMX-tile edges, K blocks), epilogues and two threads; the
// requantize epilogue. Variants this CPU cannot run are skipped, not failed.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/f32-gemm/ukernels.h"
#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {
namespace {

using lowp_gemm::Format;
using lowp_gemm::LowpParams;
using lowp_gemm::LowpVariant;
using lowp_gemm::Quantization;

struct Bytes {
  explicit Bytes(size_t n) : data(static_cast<uint8_t*>(std::aligned_alloc(64, (n + 63) / 64 * 64))) {}
  ~Bytes() { std::free(data); }
  uint8_t* data;
};

const LowpVariant& reference_for(Format format) {
  const LowpVariant* found = nullptr;
  for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
    const LowpVariant& v = lowp_gemm::variants()[i];
    if (v.format == format && v.isa == Isa::kScalar) found = &v;
  }
  return *found;
}

void test_conversions(Tally& tally) {
  int bad_bf16 = 0, bad_f16 = 0;
  // bf16: ties go to even; halfway above/below round to nearest.
  const struct { float in; uint16_t out; } bf16_cases[] = {
      {1.0f, 0x3F80}, {1.0f + 1.0f / 256, 0x3F80}, {1.0f + 3.0f / 256, 0x3F82}, {1.0f + 1.0f / 256 + 1e-6f, 0x3F81},
      {-2.5f, 0xC020}, {0.0f, 0x0000}, {-0.0f, 0x8000}, {INFINITY, 0x7F80}, {3.4e38f, 0x7F80}};
  for (const auto& c : bf16_cases) bad_bf16 += lowp_gemm::float_to_bf16(c.in) != c.out;
  std::uniform_real_distribution<float> exponent(-30.0f, 17.0f);
  for (int i = 0; i < 200000; ++i) {
    float x = std::ldexp(1.0f + (rng()() % 8388608) / 8388608.0f, static_cast<int>(exponent(rng())));
    if (i % 2) x = -x;
    if (i % 97 == 0) x = std::ldexp(static_cast<float>(rng()() % 1024), -24);  // exact fp16 subnormals
    const _Float16 h = static_cast<_Float16>(x);  // the compiler's conversion rounds to nearest even
    uint16_t want;
    std::memcpy(&want, &h, 2);
    if (lowp_gemm::float_to_f16(x) != want) ++bad_f16;
    if (lowp_gemm::f16_to_float(want) != static_cast<float>(h)) ++bad_f16;
    const float back = lowp_gemm::bf16_to_float(lowp_gemm::float_to_bf16(x));
    if (std::fabs(back - x) > std::fabs(x) * (1.0f / 256)) ++bad_bf16;
  }
  const bool ok = bad_bf16 == 0 && bad_f16 == 0;
  ok ? ++tally.passed : ++tally.failed;
  if (!ok) std::printf("FAIL conversions: %d bf16 and %d f16 mismatches\n", bad_bf16, bad_f16);
}

double rounded(Format format, float x) {
  if (format == Format::kBf16) return lowp_gemm::bf16_to_float(lowp_gemm::float_to_bf16(x));
  return lowp_gemm::f16_to_float(lowp_gemm::float_to_f16(x));
}

struct Case {
  int64_t m, n, k;
  f32_gemm::Activation activation;
  bool bias;
  int residual;  // 0 none, 1 separate, 2 aliases C
};

// Runs `variant` on A·B with the case's epilogue; B is packed from `b` ([K, N]).
void run(const LowpVariant& v, const Case& c, const float* a, const float* b, const float* w_scales,
         const float* bias, const float* residual, const Quantization& q, float* out, ThreadPool* pool) {
  Bytes packed(lowp_gemm::packed_b_bytes(v, c.k, c.n));
  lowp_gemm::pack_b(v, c.k, c.n, b, c.n, 1, w_scales, w_scales ? c.n : 0, packed.data);
  LowpParams p;
  p.m = c.m, p.n = c.n, p.k = c.k, p.a = a, p.lda = c.k, p.packed_b = packed.data, p.c = out, p.ldc = c.n;
  p.quantization = q;
  p.epilogue.activation = c.activation;
  if (c.activation == f32_gemm::Activation::kClip) p.epilogue.alpha = -0.5f, p.epilogue.beta = 0.75f;
  if (c.bias) p.epilogue.bias = bias;
  if (c.residual == 1) p.epilogue.residual = residual;
  if (c.residual == 2) {
    std::memcpy(out, residual, sizeof(float) * c.m * c.n);
    p.epilogue.residual = out;
  }
  p.epilogue.residual_stride = c.n;
  lowp_gemm::gemm(v, p, pool);
}

// Each format's scalar reference against double loops over the rounded (quantized) operands.
void test_references(Tally& tally) {
  for (Format fmt : {Format::kBf16, Format::kF16, Format::kQu8}) {
    const LowpVariant& ref = reference_for(fmt);
    for (const Case c : {Case{5, 7, 33, f32_gemm::Activation::kNone, true, 0},
                         Case{17, 9, 300, f32_gemm::Activation::kTanh, true, 1},
                         Case{3, 31, 1, f32_gemm::Activation::kNone, false, 2},
                         Case{8, 5, 611, f32_gemm::Activation::kRelu, true, 0}}) {
      Buffer a = random_buffer(c.m * c.k, -0.2f, 1.0f), b = random_buffer(c.k * c.n);
      Buffer bias = random_buffer(c.n), residual = random_buffer(c.m * c.n);
      Buffer got = aligned_buffer(c.m * c.n), want = aligned_buffer(c.m * c.n);
      const Quantization q{1.2f / 255.0f, 42};  // covers [-0.2, 1.0]
      run(ref, c, a.get(), b.get(), nullptr, bias.get(), residual.get(), q, got.get(), nullptr);
      std::vector<double> w_scale(c.n);
      for (int64_t j = 0; j < c.n; ++j) {
        double max_abs = 0;
        for (int64_t kk = 0; kk < c.k; ++kk) max_abs = std::max(max_abs, std::fabs(double(b[kk * c.n + j])));
        w_scale[j] = static_cast<float>(max_abs) / 127.0f;
      }
      for (int64_t i = 0; i < c.m; ++i) {
        for (int64_t j = 0; j < c.n; ++j) {
          double sum = 0;
          for (int64_t kk = 0; kk < c.k; ++kk) {
            const float av = a[i * c.k + kk], bv = b[kk * c.n + j];
            if (fmt == Format::kQu8) {
              const double qa = lowp_gemm::quantize_u8(av, q) - q.zero_point;
              const double qw = std::nearbyint(bv / static_cast<float>(w_scale[j]));
              sum += qa * qw * double(q.scale) * double(static_cast<float>(w_scale[j]));
            } else {
              sum += rounded(fmt, av) * rounded(fmt, bv);
            }
          }
          if (c.bias) sum += bias[j];
          if (c.residual) sum += residual[i * c.n + j];
          f32_gemm::Epilogue e;
          e.activation = c.activation;
          want[i * c.n + j] = f32_gemm::activate_scalar(static_cast<float>(sum), e);
        }
      }
      const double atol = fmt == Format::kF16 ? 1e-3 * std::sqrt(double(c.k)) + 1e-3 : 2e-6 * (c.k + 8);
      expect_close(tally, format("%s vs double loops M=%lld N=%lld K=%lld", ref.name, (long long)c.m,
                                 (long long)c.n, (long long)c.k),
                   got.get(), c.n, want.get(), c.n, c.m, c.n, atol, 1e-5);
    }
  }
}

void test_variants(Tally& tally, ThreadPool& pool) {
  const int64_t ms[] = {1, 2, 13, 14, 15, 16, 31, 32, 33, 67, 130};
  const int64_t ns[] = {1, 15, 16, 17, 31, 32, 33, 64, 97};
  const int64_t ks[] = {1, 2, 3, 31, 32, 33, 63, 64, 65, 257, 600};
  const f32_gemm::Activation activations[] = {f32_gemm::Activation::kNone, f32_gemm::Activation::kRelu,
                                              f32_gemm::Activation::kClip, f32_gemm::Activation::kGeluErf,
                                              f32_gemm::Activation::kSigmoid};
  for (size_t vi = 0; vi < lowp_gemm::variant_count(); ++vi) {
    const LowpVariant& v = lowp_gemm::variants()[vi];
    if (v.isa == Isa::kScalar) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    const LowpVariant& ref = reference_for(v.format);
    int round = 0;
    for (int64_t m : ms) {
      for (int64_t k : ks) {
        ++round;
        const int64_t n = ns[(round * 7 + vi) % (sizeof(ns) / sizeof(ns[0]))];
        const Case c{m, n, k, activations[round % 5], round % 2 == 0, round % 3};
        Buffer a = random_buffer(m * k, -1.0f, 1.0f), b = random_buffer(k * n);
        Buffer bias = random_buffer(n), residual = random_buffer(m * n), scales = random_buffer(n, 0.001f, 0.02f);
        Buffer got = aligned_buffer(m * n), want = aligned_buffer(m * n);
        const Quantization q{2.0f / 255.0f, 128};
        const float* w_scales = round % 4 == 1 ? scales.get() : nullptr;  // given or computed scales
        ThreadPool* threads = round % 2 ? &pool : nullptr;
        run(v, c, a.get(), b.get(), w_scales, bias.get(), residual.get(), q, got.get(), threads);
        run(ref, c, a.get(), b.get(), w_scales, bias.get(), residual.get(), q, want.get(), nullptr);
        expect_close(tally, format("%s vs %s M=%lld N=%lld K=%lld %s%s%s%s", v.name, ref.name, (long long)m,
                                   (long long)n, (long long)k, f32_gemm::activation_name(c.activation),
                                   c.bias ? " +bias" : "", c.residual == 1 ? " +residual" : c.residual == 2 ? " +residual=C" : "",
                                   threads ? " threads=2" : ""),
                     got.get(), n, want.get(), n, m, n, 2e-6 * (k + 8), 1e-5);
      }
    }
  }
}

// bf16 over two threads: the tasks split rows (AMX: whole 32-row tiles, N whole), so each output
// is summed in the same order as on one thread and must match it bit for bit; and the reference
// within the sweep's tolerance. Shapes: bert_mini's (128 rows: fewer tiles than a balanced split
// wants), ragged row tiles, K past one K block, a single row tile.
void test_bf16_threads(Tally& tally, ThreadPool& pool) {
  const Case cases[] = {{128, 256, 256, f32_gemm::Activation::kGeluErf, true, 0},
                        {130, 97, 600, f32_gemm::Activation::kRelu, true, 1},
                        {67, 33, 1031, f32_gemm::Activation::kNone, false, 2},
                        {32, 40, 300, f32_gemm::Activation::kClip, true, 0},
                        {300, 16, 64, f32_gemm::Activation::kSigmoid, false, 1}};
  const LowpVariant& ref = reference_for(Format::kBf16);
  for (size_t vi = 0; vi < lowp_gemm::variant_count(); ++vi) {
    const LowpVariant& v = lowp_gemm::variants()[vi];
    if (v.format != Format::kBf16 || v.isa == Isa::kScalar) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    for (const Case& c : cases) {
      Buffer a = random_buffer(c.m * c.k, -1.0f, 1.0f), b = random_buffer(c.k * c.n);
      Buffer bias = random_buffer(c.n), residual = random_buffer(c.m * c.n);
      Buffer one = aligned_buffer(c.m * c.n), two = aligned_buffer(c.m * c.n), want = aligned_buffer(c.m * c.n);
      run(v, c, a.get(), b.get(), nullptr, bias.get(), residual.get(), {}, one.get(), nullptr);
      run(v, c, a.get(), b.get(), nullptr, bias.get(), residual.get(), {}, two.get(), &pool);
      run(ref, c, a.get(), b.get(), nullptr, bias.get(), residual.get(), {}, want.get(), nullptr);
      const std::string shape = format("M=%lld N=%lld K=%lld", (long long)c.m, (long long)c.n, (long long)c.k);
      expect_close(tally, format("%s %s threads=2 vs threads=1 (bit-identical)", v.name, shape.c_str()), two.get(),
                   c.n, one.get(), c.n, c.m, c.n, 0.0, 0.0);
      expect_close(tally, format("%s %s threads=2 vs %s", v.name, shape.c_str(), ref.name), two.get(), c.n,
                   want.get(), c.n, c.m, c.n, 2e-6 * (c.k + 8), 1e-5);
    }
  }
}

// fp16 row scaling: activations far beyond fp16's range (1e6, and tiny 1e-6 rows) stay finite and
// accurate, for every f16 variant this host runs.
void test_f16_range(Tally& tally, ThreadPool& pool) {
  const int64_t m = 19, n = 37, k = 300;
  Buffer a = random_buffer(m * k), b = random_buffer(k * n);
  for (int64_t i = 0; i < m; ++i) {
    const float magnitude = i % 3 == 0 ? 1e6f : i % 3 == 1 ? 1e-6f : 3e4f;
    for (int64_t kk = 0; kk < k; ++kk) a[i * k + kk] *= magnitude;
  }
  Buffer want = aligned_buffer(m * n);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int64_t kk = 0; kk < k; ++kk) sum += double(a[i * k + kk]) * b[kk * n + j];
      want[i * n + j] = static_cast<float>(sum);
    }
  }
  for (size_t vi = 0; vi < lowp_gemm::variant_count(); ++vi) {
    const LowpVariant& v = lowp_gemm::variants()[vi];
    if (v.format != Format::kF16) continue;
    if (!host_supports(v.isa)) {
      ++tally.skipped;
      continue;
    }
    Buffer got = aligned_buffer(m * n);
    run(v, Case{m, n, k, f32_gemm::Activation::kNone, false, 0}, a.get(), b.get(), nullptr, nullptr, nullptr, {},
        got.get(), &pool);
    for (int64_t i = 0; i < m; ++i) {
      // fp16 keeps ~11 bits per term: compare per row, relative to the row's magnitude.
      double row_max = 0.0;
      for (int64_t j = 0; j < n; ++j) row_max = std::max(row_max, std::fabs(double(want[i * n + j])));
      expect_close(tally, format("%s row %lld (|a| ~ %g) finite and within 1%% of the row's max", v.name,
                                 (long long)i, i % 3 == 0 ? 1e6 : i % 3 == 1 ? 1e-6 : 3e4),
                   got.get() + i * n, n, want.get() + i * n, n, 1, n, 1e-2 * row_max, 0.0);
    }
  }
}

void test_requantize(Tally& tally) {
  const float x[] = {-3.0f, -0.26f, -0.25f, 0.0f, 0.24f, 0.25f, 0.75f, 30.0f, 1e9f};
  uint8_t u8[9];
  int8_t s8[9];
  lowp_gemm::requantize_row_u8(x, 9, 0.5f, 10, 10, 255, u8);  // ReLU folded: lo = zero point
  lowp_gemm::requantize_row_s8(x, 9, 0.5f, -3, -128, 127, s8);
  const uint8_t want_u8[] = {10, 10, 10, 10, 10, 10, 12, 70, 255};
  const int8_t want_s8[] = {-9, -4, -3, -3, -3, -3, -1, 57, 127};  // -0.5 and 0.5 round to even
  const bool ok = std::memcmp(u8, want_u8, 9) == 0 && std::memcmp(s8, want_s8, 9) == 0;
  ok ? ++tally.passed : ++tally.failed;
  if (!ok) std::printf("FAIL requantize rows\n");
}

}  // namespace

void run_lowp_tests(Tally& tally) {
  ThreadPool pool(2);
  test_conversions(tally);
  test_references(tally);
  test_variants(tally, pool);
  test_bf16_threads(tally, pool);
  test_f16_range(tally, pool);
  test_requantize(tally);
}

}  // namespace kiln::test
