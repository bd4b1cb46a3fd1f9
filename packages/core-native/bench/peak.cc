// Measures this core's clock under load and its fp32 FMA throughput, to state the theoretical
// peak = clock x FMA units x lanes x 2. Clock: a chain of dependent scalar FMAs (4-cycle latency
// on Intel cores since Skylake) -> cycles/s = 4 x FMAs/s. Throughput: 24 independent zmm / ymm
// FMA chains. Build: g++ -O2 -mavx512f -mfma bench/peak.cc -o peak
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

static double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int main() {
  const long iterations = 200000000;
  std::vector<double> clock_ghz, zmm_gflops, ymm_gflops;
  for (int repeat = 0; repeat < 7; ++repeat) {
    __m128 x = _mm_set_ss(1.0f), m = _mm_set_ss(0.999999f), a = _mm_set_ss(1e-7f);
    double t0 = seconds();
    for (long i = 0; i < iterations; ++i) {
      x = _mm_fmadd_ss(x, m, a);
      __asm__ volatile("" : "+x"(x));
    }
    const double ghz = 4.0 * iterations / (seconds() - t0) * 1e-9;
    clock_ghz.push_back(ghz);
    // 24 independent zmm accumulators (hand-written so nothing spills), 12 for ymm.
    const long loops = iterations / 24;
    t0 = seconds();
    for (long i = 0; i < loops; ++i) {
      __asm__ volatile(
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm0\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm1\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm2\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm3\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm4\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm5\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm6\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm7\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm8\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm9\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm10\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm11\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm12\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm13\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm14\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm15\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm16\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm17\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm18\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm19\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm20\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm21\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm22\n\t"
          "vfmadd231ps %%zmm25, %%zmm24, %%zmm23\n\t"
          :
          :
          : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
            "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18",
            "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25");
    }
    double dt = seconds() - t0;
    zmm_gflops.push_back(loops * 24.0 * 32.0 / dt * 1e-9);  // GFLOP/s
    t0 = seconds();
    for (long i = 0; i < loops; ++i) {
      __asm__ volatile(
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm0\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm1\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm2\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm3\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm4\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm5\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm6\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm7\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm8\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm9\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm10\n\t"
          "vfmadd231ps %%ymm15, %%ymm14, %%ymm11\n\t"
          :
          :
          : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",
            "xmm10", "xmm11", "xmm14", "xmm15");
    }
    dt = seconds() - t0;
    ymm_gflops.push_back(loops * 12.0 * 16.0 / dt * 1e-9);  // GFLOP/s
  }
  // Other processes share these cores: interference only slows a run down, so the best of the
  // repeats is the closest to the hardware's figures.
  const double ghz = *std::max_element(clock_ghz.begin(), clock_ghz.end());
  const double zmm = *std::max_element(zmm_gflops.begin(), zmm_gflops.end());
  const double ymm = *std::max_element(ymm_gflops.begin(), ymm_gflops.end());
  std::printf("clock under load (best of %zu): %.2f GHz\n", clock_ghz.size(), ghz);
  std::printf("zmm FMA: %.1f GFLOP/s = %.1f flops/cycle = %.2f FMA units x 16 lanes x 2\n", zmm,
              zmm / ghz, zmm / ghz / 32.0);
  std::printf("ymm FMA: %.1f GFLOP/s = %.1f flops/cycle\n", ymm, ymm / ghz);
  std::printf("theoretical fp32 peak per core: %.2f GHz x %d x 16 x 2 = %.1f GFLOP/s\n", ghz,
              zmm / ghz / 32.0 > 1.5 ? 2 : 1, ghz * 32.0 * (zmm / ghz / 32.0 > 1.5 ? 2 : 1));
  return 0;
}
