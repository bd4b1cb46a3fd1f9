// In-place A rows for register-tile GEMM kernels (f32-gemm's direct tiles, lowp-gemm's bf16
// pairs): included by ISA files, which give it their own flags.
#pragma once

#include <cstdint>

namespace kiln::f32_gemm {
namespace {

// Hides a value from the optimizer so it stays in one register: the in-place-A loop below keeps
// its row bases as plain pointers instead of letting GCC derive one induction variable per row
// (which spills them to the stack once there are more rows than free registers).
template <typename T>
inline void keep_in_register(T& value) {
  __asm__ volatile("" : "+r"(value));
}

// A tile's rows of A read in place (row i at a + i * lda elements of T), for up to 30 rows with
// 10 general registers: row 5g + r is base[g] plus 0, L, 2L, 3L or 4L bytes (L = lda in bytes),
// which the addressing mode forms from two index registers, L and L3 = 3L.
template <int MR, typename T = float>
struct InPlaceRows {
  static constexpr int kBases = (MR + 4) / 5;
  static constexpr int64_t kSize = sizeof(T);
  const char* base[kBases];
  int64_t l, l3;

  InPlaceRows(const T* a, int64_t lda) : l(lda * kSize), l3(lda * 3 * kSize) {
#pragma GCC unroll 8
    for (int g = 0; g < kBases; ++g) base[g] = reinterpret_cast<const char*>(a + 5 * g * lda);
    keep_in_register(l);
    keep_in_register(l3);
  }
  const T* row(int i) const {
    const char* p = base[i / 5];
    switch (i % 5) {
      case 1: p += l; break;
      case 2: p += 2 * l; break;
      case 3: p += l3; break;
      case 4: p += 4 * l; break;
      default: break;
    }
    return reinterpret_cast<const T*>(p);
  }
  void advance() {
#pragma GCC unroll 8
    for (int g = 0; g < kBases; ++g) {
      base[g] += kSize;
      keep_in_register(base[g]);
    }
  }
};

}  // namespace
}  // namespace kiln::f32_gemm
