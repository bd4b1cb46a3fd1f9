// Helpers shared by the native layer benchmarks (lowp-layers.cc, lowp-stem.cc, bf16-conv.cc, bf16-stem.cc),
// each built and run by bench/build-and-run.sh through its own NAME.sh.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <string>

#include "kernels/f32-conv/conv.h"

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

// A k x k convolution of an h x w x c image to out_c channels, padded by k / 2 on every side (the
// size of a stride-1 layer kept), with the given stride and groups.
inline f32_conv::ConvShape same_padded(int64_t h, int64_t w, int64_t c, int64_t out_c, int64_t k, int64_t stride = 1,
                                      int64_t groups = 1) {
  f32_conv::ConvShape s;
  s.in_h = h, s.in_w = w, s.in_c = c, s.out_c = out_c, s.groups = groups;
  s.kernel_h = s.kernel_w = k, s.stride_h = s.stride_w = stride;
  s.pad_top = s.pad_left = s.pad_bottom = s.pad_right = k / 2;
  return s;
}

// `count` elements of T, 64-byte aligned (never freed: a benchmark process is short-lived).
template <class T>
T* aligned(size_t count) {
  return static_cast<T*>(std::aligned_alloc(64, (count * sizeof(T) + 63) / 64 * 64));
}

}  // namespace kiln::bench_util
