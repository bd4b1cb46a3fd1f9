// Side-by-side f32 GEMM throughput: every Kiln variant the host runs vs OpenBLAS cblas_sgemm, at
// 1 and 2 threads, interleaved repeats, medians. Built by bench/gemm-vs-openblas.sh; run with
// OPENBLAS_CORETYPE=SkylakeX (OpenBLAS 0.3.21 otherwise picks SSE kernels on this CPU).
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/f32-gemm/gemm.h"
#include "kernels/f32-gemm/variants.h"
#include "runtime/thread_pool.h"

extern "C" void openblas_set_num_threads(int threads);

namespace {

using kiln::f32_gemm::GemmVariant;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

float* aligned_floats(size_t count) {
  return static_cast<float*>(std::aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64));
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t m = 1024, n = 1024, k = 1024;
  int repeats = 15;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--mnk") && i + 3 < argc) {
      m = std::atoll(argv[++i]);
      n = std::atoll(argv[++i]);
      k = std::atoll(argv[++i]);
    } else if (!std::strcmp(argv[i], "--repeats") && i + 1 < argc) {
      repeats = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--variant") && i + 1 < argc) {
      only = argv[++i];
    }
  }
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  float* a = aligned_floats(m * k);
  float* b = aligned_floats(k * n);
  float* c = aligned_floats(m * n);
  for (int64_t i = 0; i < m * k; ++i) a[i] = dist(rng);
  for (int64_t i = 0; i < k * n; ++i) b[i] = dist(rng);
  const kiln::Isa host = kiln::max_isa();
  std::vector<const GemmVariant*> chosen;
  for (size_t v = 0; v < kiln::f32_gemm::variant_count(); ++v) {
    const GemmVariant& variant = kiln::f32_gemm::variants()[v];
    if (variant.isa == kiln::Isa::kScalar) continue;
    if (!kiln::f32_gemm::applies(variant, host, m, n, k)) continue;
    if (!only.empty() && only != variant.name) continue;
    chosen.push_back(&variant);
  }
  std::vector<float*> packed;
  for (const GemmVariant* variant : chosen) {
    packed.push_back(aligned_floats(kiln::f32_gemm::packed_b_size(*variant, k, n)));
    kiln::f32_gemm::pack_b(*variant, k, n, b, n, 1, packed.back());
  }
  const double flops = 2.0 * m * n * k;
  std::printf("M=%lld N=%lld K=%lld, %d repeats, median GFLOP/s\n", (long long)m, (long long)n,
              (long long)k, repeats);
  for (int threads : {1, 2}) {
    kiln::ThreadPool pool(threads);
    openblas_set_num_threads(threads);
    std::vector<std::vector<double>> times(chosen.size() + 1);
    for (int r = 0; r < repeats + 2; ++r) {  // first two rounds are warm-up
      double t0 = now_seconds();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
      if (r >= 2) times[0].push_back(now_seconds() - t0);
      for (size_t v = 0; v < chosen.size(); ++v) {
        kiln::f32_gemm::GemmParams params;
        params.m = m, params.n = n, params.k = k;
        params.a = a, params.lda = k, params.packed_b = packed[v], params.c = c, params.ldc = n;
        t0 = now_seconds();
        kiln::f32_gemm::gemm(*chosen[v], params, &pool);
        if (r >= 2) times[v + 1].push_back(now_seconds() - t0);
      }
    }
    const double blas = flops / median(times[0]) * 1e-9;
    std::printf("threads=%d  openblas cblas_sgemm        %7.1f\n", threads, blas);
    for (size_t v = 0; v < chosen.size(); ++v) {
      const double gflops = flops / median(times[v + 1]) * 1e-9;
      std::printf("threads=%d  %-26s %7.1f  (%5.1f%% of OpenBLAS)\n", threads, chosen[v]->name,
                  gflops, 100.0 * gflops / blas);
    }
  }
  return 0;
}
