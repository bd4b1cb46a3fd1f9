// AVX2 data-movement microkernels (move.h): 32-byte loads/stores, 4x unrolled, overlapping
// sub-vector tails; 4- and 8-byte gathers with vpgatherdd / vpgatherdq.
#include <immintrin.h>

#include "kernels/x-copy/move_impl.h"

namespace kiln {
namespace {

inline __m256i load(const uint8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
inline void store(uint8_t* p, __m256i v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }

inline void copy_run(uint8_t* d, const uint8_t* s, int64_t n) {
  if (n < 32) {
    copy_small(d, s, n);
    return;
  }
  int64_t i = 0;
  for (; i + 128 <= n; i += 128) {
    const __m256i a = load(s + i), b = load(s + i + 32), c = load(s + i + 64), e = load(s + i + 96);
    store(d + i, a);
    store(d + i + 32, b);
    store(d + i + 64, c);
    store(d + i + 96, e);
  }
  for (; i + 32 <= n; i += 32) store(d + i, load(s + i));
  if (i < n) store(d + n - 32, load(s + n - 32));  // overlaps bytes already written with the same data
}

}  // namespace

void x_copy_rows__avx2(uint8_t* dst, int64_t dst_stride, const uint8_t* src, int64_t src_stride, int64_t rows,
                       int64_t bytes) {
  for (int64_t r = 0; r < rows; ++r) copy_run(dst + r * dst_stride, src + r * src_stride, bytes);
}

void x_fill__avx2(uint8_t* dst, const uint8_t* word, int64_t word_bytes, int64_t count) {
  __m256i v;
  switch (word_bytes) {
    case 1: v = _mm256_set1_epi8(static_cast<char>(word[0])); break;
    case 2: {
      int16_t w;
      std::memcpy(&w, word, 2);
      v = _mm256_set1_epi16(w);
      break;
    }
    case 4: {
      int32_t w;
      std::memcpy(&w, word, 4);
      v = _mm256_set1_epi32(w);
      break;
    }
    default: {
      long long w;
      std::memcpy(&w, word, 8);
      v = _mm256_set1_epi64x(w);
    }
  }
  const int64_t n = count * word_bytes;  // 32 is a multiple of every word size, so bytes line up
  int64_t i = 0;
  for (; i + 128 <= n; i += 128) {
    store(dst + i, v);
    store(dst + i + 32, v);
    store(dst + i + 64, v);
    store(dst + i + 96, v);
  }
  for (; i + 32 <= n; i += 32) store(dst + i, v);
  if (i < n) {
    alignas(32) uint8_t pattern[32];
    store(pattern, v);
    copy_small(dst + i, pattern, n - i);
  }
}

void x_gather_words__avx2(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count, int64_t word_bytes) {
  int64_t i = 0;
  if (word_bytes == 4) {
    const int* base = reinterpret_cast<const int*>(src);
    for (; i + 8 <= count; i += 8) {
      store(dst + i * 4, _mm256_i32gather_epi32(base, load(reinterpret_cast<const uint8_t*>(index + i)), 4));
    }
    gather_plain<uint32_t>(dst + i * 4, src, index + i, count - i);
  } else if (word_bytes == 8) {
    const long long* base = reinterpret_cast<const long long*>(src);
    for (; i + 4 <= count; i += 4) {
      const __m128i at = _mm_loadu_si128(reinterpret_cast<const __m128i*>(index + i));
      store(dst + i * 8, _mm256_i32gather_epi64(base, at, 8));
    }
    gather_plain<uint64_t>(dst + i * 8, src, index + i, count - i);
  } else if (word_bytes == 2) {
    gather_plain<uint16_t>(dst, src, index, count);
  } else {
    gather_plain<uint8_t>(dst, src, index, count);
  }
}

void x_gather_rows__avx2(uint8_t* dst, const uint8_t* src, const int64_t* index, int64_t count, int64_t row_bytes) {
  for (int64_t i = 0; i < count; ++i) copy_run(dst + i * row_bytes, src + index[i] * row_bytes, row_bytes);
}

}  // namespace kiln
