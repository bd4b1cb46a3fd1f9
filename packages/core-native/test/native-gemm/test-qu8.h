// Shared by the qu8 GEMM tests with uint8 output (test-lowp-u8.cc, test-lowp-qu8-edges.cc): one
// case's run through a variant, the scalar reference, and the bit-for-bit comparison of the two.
#pragma once

#include <cstdlib>
#include <vector>

#include "kernels/lowp-gemm/lowp.h"
#include "runtime/thread_pool.h"
#include "test-util.h"

namespace kiln::test {

// The quantization grids and Clip bounds a case runs with.
struct Qu8Grids {
  lowp_gemm::Quantization input, output, residual;
  float clip_lo, clip_hi;
};

struct Qu8Case {
  int64_t m, n, k, lda;
  f32_gemm::Activation activation;
  int residual;  // 0 none, 1 fp32, 2 uint8
  bool a_u8;
  Qu8Grids grids;
};

// A case's operands: fp32 A (m x lda) and uint8 A, fp32 B (k x n), weight scales and bias (n),
// fp32 and uint8 residual (m x n).
struct Qu8Operands {
  const float *a;
  const uint8_t* a_u8;
  const float *b, *w_scales, *bias, *residual;
  const uint8_t* residual_u8;
};

inline void run_qu8(const lowp_gemm::LowpVariant& v, const Qu8Case& c, const Qu8Operands& in, uint8_t* out,
                    ThreadPool* pool) {
  void* packed = std::aligned_alloc(64, (lowp_gemm::packed_b_bytes(v, c.k, c.n) + 63) / 64 * 64);
  lowp_gemm::pack_b(v, c.k, c.n, in.b, c.n, 1, in.w_scales, c.n, packed);
  lowp_gemm::LowpParams p;
  p.m = c.m, p.n = c.n, p.k = c.k, p.lda = c.lda, p.packed_b = packed, p.ldc = c.n;
  if (c.a_u8) {
    p.a_u8 = in.a_u8;
  } else {
    p.a = in.a;
  }
  p.quantization = c.grids.input;
  p.c_u8 = out;
  p.output = c.grids.output;
  p.epilogue.bias = in.bias;
  p.epilogue.activation = c.activation;
  if (c.activation == f32_gemm::Activation::kClip) p.epilogue.alpha = c.grids.clip_lo, p.epilogue.beta = c.grids.clip_hi;
  p.epilogue.residual_stride = c.n;
  if (c.residual == 1) p.epilogue.residual = in.residual;
  if (c.residual == 2) p.residual_u8 = in.residual_u8, p.residual_grid = c.grids.residual;
  lowp_gemm::gemm(v, p, pool);
  std::free(packed);
}

inline const lowp_gemm::LowpVariant* scalar_qu8() {
  for (size_t i = 0; i < lowp_gemm::variant_count(); ++i) {
    const lowp_gemm::LowpVariant& v = lowp_gemm::variants()[i];
    if (v.format == lowp_gemm::Format::kQu8 && v.isa == Isa::kScalar) return &v;
  }
  return nullptr;
}

// Runs the case through `v` (on `pool`, or the calling thread) and through the scalar reference,
// and tallies whether the uint8 outputs agree bit for bit. The uint8 residual is dequantized with
// one more rounding on the scalar path: one step is allowed there.
inline void check_qu8(Tally& tally, const lowp_gemm::LowpVariant& v, const Qu8Case& c, const Qu8Operands& in,
                      ThreadPool* pool) {
  const lowp_gemm::LowpVariant& ref = *scalar_qu8();
  std::vector<uint8_t> got(c.m * c.n), want(c.m * c.n);
  run_qu8(v, c, in, got.data(), pool);
  run_qu8(ref, c, in, want.data(), nullptr);
  int worst = 0;
  int64_t at = 0;
  for (int64_t i = 0; i < c.m * c.n; ++i) {
    const int d = std::abs(int(got[i]) - int(want[i]));
    if (d > worst) worst = d, at = i;
  }
  const int allowed = c.residual == 2 ? 1 : 0;
  const bool ok = worst <= allowed;
  ok ? ++tally.passed : ++tally.failed;
  if (!ok) {
    std::printf("FAIL %s vs %s uint8 out M=%lld N=%lld K=%lld lda=%lld %s residual=%d a_u8=%d threads=%d: "
                "|got - want| %d at [%lld, %lld] > %d\n",
                v.name, ref.name, (long long)c.m, (long long)c.n, (long long)c.k, (long long)c.lda,
                f32_gemm::activation_name(c.activation), c.residual, c.a_u8 ? 1 : 0, pool ? 2 : 1, worst,
                (long long)(at / c.n), (long long)(at % c.n), allowed);
  }
}

inline std::vector<uint8_t> random_bytes(size_t n) {
  std::vector<uint8_t> bytes(n);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng()() & 255);
  return bytes;
}

}  // namespace kiln::test
