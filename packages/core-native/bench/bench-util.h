// Helpers shared by the native layer benchmarks (lowp-layers.cc, lowp-stem.cc, bf16-conv.cc).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>

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

// The layer benchmarks' options: --repeats R, --filter TEXT, --variant TEXT (null: not taken).
inline void read_options(int argc, char** argv, int* repeats, std::string* filter, std::string* variant) {
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string name = argv[i];
    if (name == "--repeats") *repeats = std::atoi(argv[i + 1]);
    if (name == "--filter") *filter = argv[i + 1];
    if (name == "--variant" && variant != nullptr) *variant = argv[i + 1];
  }
}

// `count` elements of T, 64-byte aligned (never freed: a benchmark process is short-lived).
template <class T>
T* aligned(size_t count) {
  return static_cast<T*>(std::aligned_alloc(64, (count * sizeof(T) + 63) / 64 * 64));
}

}  // namespace kiln::bench_util
