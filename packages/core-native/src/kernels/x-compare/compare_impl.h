// Vector x-compare body for float32, compiled once per ISA TU (see kernels/simd/vec.h): a lane
// mask per comparison, stored as one 0/1 byte per lane.
#pragma once

#include <limits>

#include "kernels/simd/vec.h"
#include "kernels/x-compare/compare_loops.h"

namespace kiln {
namespace {

#if defined(__AVX512F__)
template <int PREDICATE>
inline M cmp_v(V a, V b) { return _mm512_cmp_ps_mask(a.v, b.v, PREDICATE); }
inline void store_mask(M m, uint8_t* y) { _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm_maskz_set1_epi8(m, 1)); }
#else
template <int PREDICATE>
inline M cmp_v(V a, V b) { return _mm256_cmp_ps(a.v, b.v, PREDICATE); }
inline void store_mask(M m, uint8_t* y) {
  const __m256i bits = _mm256_srli_epi32(_mm256_castps_si256(m), 31);
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(bits), _mm256_extracti128_si256(bits, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm_packus_epi16(words, words));
}
#endif

inline void store_mask_tail(M m, uint8_t* y, size_t n) {
  alignas(16) uint8_t tmp[16];
  store_mask(m, tmp);
  std::memcpy(y, tmp, n);
}

template <CompareOp OP>
constexpr int predicate() {
  return OP == CompareOp::kEqual ? _CMP_EQ_OQ : OP == CompareOp::kLess ? _CMP_LT_OQ : _CMP_LE_OQ;
}

// A and B are pointer-or-broadcast operand loaders (as in f32-vbinary).
struct Lanes {
  const float* p;
  V load(size_t i) const { return V::load(p + i); }
  V tail(size_t i, size_t n) const { return load_tail(p + i, n, 0.0f); }
};
struct Splat {
  V v;
  V load(size_t) const { return v; }
  V tail(size_t, size_t) const { return v; }
};

template <CompareOp OP, class A, class B>
void compare_vec(size_t n, A a, B b, uint8_t* y) {
  constexpr int kPredicate = predicate<OP>();
  size_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    store_mask(cmp_v<kPredicate>(a.load(i), b.load(i)), y + i);
    store_mask(cmp_v<kPredicate>(a.load(i + W), b.load(i + W)), y + i + W);
  }
  for (; i + W <= n; i += W) store_mask(cmp_v<kPredicate>(a.load(i), b.load(i)), y + i);
  if (i < n) store_mask_tail(cmp_v<kPredicate>(a.tail(i, n - i), b.tail(i, n - i)), y + i, n - i);
}

template <CompareOp OP>
void compare_f32(size_t n, const float* a, bool a_vec, const float* b, bool b_vec, uint8_t* y) {
  if (a_vec && b_vec) return compare_vec<OP>(n, Lanes{a}, Lanes{b}, y);
  if (a_vec) return compare_vec<OP>(n, Lanes{a}, Splat{V::set1(*b)}, y);
  if (b_vec) return compare_vec<OP>(n, Splat{V::set1(*a)}, Lanes{b}, y);
  compare_run<OP>(n, a, false, b, false, y);
}

inline void compare_f32_impl(CompareOp op, size_t n, const float* a, bool a_vec, const float* b, bool b_vec,
                             uint8_t* y) {
  switch (op) {
    case CompareOp::kEqual: return compare_f32<CompareOp::kEqual>(n, a, a_vec, b, b_vec, y);
    case CompareOp::kLess: return compare_f32<CompareOp::kLess>(n, a, a_vec, b, b_vec, y);
    case CompareOp::kLessEqual: return compare_f32<CompareOp::kLessEqual>(n, a, a_vec, b, b_vec, y);
  }
}

template <ClassifyOp OP>
inline M classify_v(V x) {
  const V inf = V::set1(std::numeric_limits<float>::infinity());
  if constexpr (OP == ClassifyOp::kNan) return cmp_v<_CMP_UNORD_Q>(x, x);
  if constexpr (OP == ClassifyOp::kInf) return cmp_v<_CMP_EQ_OQ>(vabs(x), inf);
  if constexpr (OP == ClassifyOp::kPosInf) return cmp_v<_CMP_EQ_OQ>(x, inf);
  if constexpr (OP == ClassifyOp::kNegInf) return cmp_v<_CMP_EQ_OQ>(x, V::zero() - inf);
}

template <ClassifyOp OP>
void classify_loop(size_t n, const float* x, uint8_t* y) {
  size_t i = 0;
  for (; i + W <= n; i += W) store_mask(classify_v<OP>(V::load(x + i)), y + i);
  if (i < n) store_mask_tail(classify_v<OP>(load_tail(x + i, n - i, 0.0f)), y + i, n - i);
}

inline void classify_impl(ClassifyOp op, size_t n, const float* x, uint8_t* y) {
  switch (op) {
    case ClassifyOp::kNan: return classify_loop<ClassifyOp::kNan>(n, x, y);
    case ClassifyOp::kInf: return classify_loop<ClassifyOp::kInf>(n, x, y);
    case ClassifyOp::kPosInf: return classify_loop<ClassifyOp::kPosInf>(n, x, y);
    case ClassifyOp::kNegInf: return classify_loop<ClassifyOp::kNegInf>(n, x, y);
  }
}

}  // namespace
}  // namespace kiln

#define KILN_DEFINE_COMPARE(isa)                                                                                   \
  KILN_DEFINE_COMPARE_LOOPS(isa)                                                                                   \
  namespace kiln {                                                                                                 \
  void x_compare_f32__##isa(CompareOp op, size_t n, const float* a, bool a_vec, const float* b, bool b_vec,       \
                            uint8_t* y) {                                                                          \
    compare_f32_impl(op, n, a, a_vec, b, b_vec, y);                                                                \
  }                                                                                                                \
  void f32_classify__##isa(ClassifyOp op, size_t n, const float* x, uint8_t* y) { classify_impl(op, n, x, y); }   \
  }
