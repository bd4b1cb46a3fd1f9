// Helpers shared by the native layer benchmarks (lowp-layers.cc, lowp-stem.cc).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>

namespace kiln::bench_util {

// The fastest of `repeats` timed calls of fn, after one untimed warm-up call, in microseconds.
inline double fastest_us(int repeats, const std::function<void()>& fn) {
  fn();
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    best = std::min(best, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

// `count` elements of T, 64-byte aligned (never freed: a benchmark process is short-lived).
template <class T>
T* aligned(size_t count) {
  return static_cast<T*>(std::aligned_alloc(64, (count * sizeof(T) + 63) / 64 * 64));
}

}  // namespace kiln::bench_util
