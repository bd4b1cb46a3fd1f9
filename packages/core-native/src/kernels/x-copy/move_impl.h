// Shared parts of the vector data-movement microkernels (move.h), compiled once per ISA TU.
// Anonymous namespace: one copy per TU.
#pragma once

#include <cstdint>
#include <cstring>

#include "kernels/x-copy/move.h"

namespace kiln {
namespace {

// Sub-vector tail of a copy or fill: the largest power-of-two pieces, overlapping the last one
// (the runs never overlap each other, so re-writing a few bytes with the same data is harmless).
inline void copy_small(uint8_t* d, const uint8_t* s, int64_t n) {
  if (n >= 32) {
    uint64_t a[4], b[4];
    std::memcpy(a, s, 32);
    std::memcpy(b, s + n - 32, 32);
    std::memcpy(d, a, 32);
    std::memcpy(d + n - 32, b, 32);
  } else if (n >= 16) {
    uint64_t a[2], b[2];
    std::memcpy(a, s, 16);
    std::memcpy(b, s + n - 16, 16);
    std::memcpy(d, a, 16);
    std::memcpy(d + n - 16, b, 16);
  } else if (n >= 8) {
    uint64_t a, b;
    std::memcpy(&a, s, 8);
    std::memcpy(&b, s + n - 8, 8);
    std::memcpy(d, &a, 8);
    std::memcpy(d + n - 8, &b, 8);
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, s, 4);
    std::memcpy(&b, s + n - 4, 4);
    std::memcpy(d, &a, 4);
    std::memcpy(d + n - 4, &b, 4);
  } else {
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
  }
}

// Plain gather of words the vector gathers do not cover (1 and 2 bytes, and tails), unrolled.
// memcpy keeps unaligned words defined behaviour; it compiles to single moves.
template <class T>
void gather_plain(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count) {
  constexpr int64_t kSize = sizeof(T);
  int64_t i = 0;
  for (; i + 4 <= count; i += 4) {
    T a, b, c, e;
    std::memcpy(&a, src + index[i] * kSize, kSize);
    std::memcpy(&b, src + index[i + 1] * kSize, kSize);
    std::memcpy(&c, src + index[i + 2] * kSize, kSize);
    std::memcpy(&e, src + index[i + 3] * kSize, kSize);
    std::memcpy(dst + i * kSize, &a, kSize);
    std::memcpy(dst + (i + 1) * kSize, &b, kSize);
    std::memcpy(dst + (i + 2) * kSize, &c, kSize);
    std::memcpy(dst + (i + 3) * kSize, &e, kSize);
  }
  for (; i < count; ++i) std::memcpy(dst + i * kSize, src + index[i] * kSize, kSize);
}

}  // namespace
}  // namespace kiln
