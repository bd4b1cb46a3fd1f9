// Native kernel test harness entry point: prints the seed, runs every family, prints
// "N passed, N failed" and exits non-zero on failure. KILN_TEST_SEED=<n> reproduces a run.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "test-util.h"

namespace kiln::test {
void run_gemm_tests(Tally& tally);
void run_gemm_stride_tests(Tally& tally);
void run_conv_tests(Tally& tally);
void run_lowp_tests(Tally& tally);
void run_lowp_bf16_tests(Tally& tally);
void run_lowp_u8_tests(Tally& tally);
void run_lowp_qu8_edge_tests(Tally& tally);
void run_stem_amx_tests(Tally& tally);
}  // namespace kiln::test

int main() {
  const char* env = std::getenv("KILN_TEST_SEED");
  const unsigned seed = env != nullptr ? static_cast<unsigned>(std::strtoul(env, nullptr, 10))
                                       : static_cast<unsigned>(std::chrono::steady_clock::now()
                                                                   .time_since_epoch()
                                                                   .count() %
                                                               1000000007u);
  std::printf("seed %u (reproduce: KILN_TEST_SEED=%u test/native-gemm/run.sh)\n", seed, seed);
  std::printf("host ISA: %s\n", kiln::isa_name(kiln::max_isa()));
  kiln::test::rng().seed(seed);
  kiln::test::Tally tally;
  kiln::test::run_gemm_tests(tally);
  kiln::test::run_gemm_stride_tests(tally);
  kiln::test::run_conv_tests(tally);
  kiln::test::run_lowp_tests(tally);
  kiln::test::run_lowp_bf16_tests(tally);
  kiln::test::run_lowp_u8_tests(tally);
  kiln::test::run_lowp_qu8_edge_tests(tally);
  kiln::test::run_stem_amx_tests(tally);
  std::printf("%d passed, %d failed, %d skipped\n", tally.passed, tally.failed, tally.skipped);
  return tally.failed == 0 ? 0 : 1;
}
