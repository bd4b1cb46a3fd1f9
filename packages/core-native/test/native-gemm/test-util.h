// Shared helpers of the native kernel test harness: seeded randomness, aligned buffers, result
// tally and `max|Δ|` comparison with messages that say where and by how much.
#pragma once

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "platform/cpu.h"

namespace kiln::test {

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
  int failures_printed = 0;
};

inline std::mt19937& rng() {
  static std::mt19937 generator;
  return generator;
}

inline void fill_uniform(float* data, size_t count, float low = -1.0f, float high = 1.0f) {
  std::uniform_real_distribution<float> dist(low, high);
  for (size_t i = 0; i < count; ++i) data[i] = dist(rng());
}

struct AlignedDeleter {
  void operator()(float* p) const { std::free(p); }
};
using Buffer = std::unique_ptr<float[], AlignedDeleter>;

inline Buffer aligned_buffer(size_t count) {
  const size_t bytes = ((count == 0 ? 1 : count) * sizeof(float) + 63) / 64 * 64;
  return Buffer(static_cast<float*>(std::aligned_alloc(64, bytes)));
}

inline Buffer random_buffer(size_t count, float low = -1.0f, float high = 1.0f) {
  Buffer buffer = aligned_buffer(count);
  fill_uniform(buffer.get(), count, low, high);
  return buffer;
}

inline std::string format(const char* fmt, ...) {
  char text[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(text, sizeof(text), fmt, args);
  va_end(args);
  return text;
}

// Compares `got` against `want` (rows x cols, row strides). Tolerance per element:
// atol + rtol * |want|. Records one pass or one failure for `what`.
inline bool expect_close(Tally& tally, const std::string& what, const float* got, int64_t got_stride,
                         const float* want, int64_t want_stride, int64_t rows, int64_t cols,
                         double atol, double rtol) {
  double worst = 0.0, worst_tol = atol;
  int64_t wi = -1, wj = -1;
  bool ok = true;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      const double g = got[i * got_stride + j], w = want[i * want_stride + j];
      const double delta = std::fabs(g - w);
      const double tol = atol + rtol * std::fabs(w);
      if (!(delta <= tol) && (ok || delta - tol > worst - worst_tol)) {
        ok = false;
        worst = std::isnan(delta) ? INFINITY : delta;
        worst_tol = tol;
        wi = i;
        wj = j;
      }
    }
  }
  if (ok) {
    ++tally.passed;
    return true;
  }
  ++tally.failed;
  if (tally.failures_printed++ < 40) {
    std::printf("FAIL %s: max|Δ| %.3g at [%lld,%lld] > tol %.3g (got %.7g, want %.7g)\n",
                what.c_str(), worst, (long long)wi, (long long)wj, worst_tol,
                got[wi * got_stride + wj], want[wi * want_stride + wj]);
  }
  return false;
}

inline bool host_supports(Isa isa) { return static_cast<int>(isa) <= static_cast<int>(max_isa()); }

}  // namespace kiln::test
