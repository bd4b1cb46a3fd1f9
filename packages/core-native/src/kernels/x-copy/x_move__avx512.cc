// AVX-512 data-movement microkernels (move.h): 64-byte loads/stores, 4x unrolled, byte-masked
// tails (AVX512BW), runs of at most 32 bytes as overlapping scalar moves; 4- and 8-byte gathers
// with vpgatherdd / vpgatherdq.
#include <immintrin.h>

#include "kernels/x-copy/move_impl.h"

namespace kiln {
namespace {

inline __mmask64 byte_mask(int64_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

inline void copy_run(uint8_t* d, const uint8_t* s, int64_t n) {
  if (n <= 32) {  // short runs (a concat of a few elements per row): overlapping moves beat a masked pair
    copy_small(d, s, n);
    return;
  }
  int64_t i = 0;
  for (; i + 256 <= n; i += 256) {
    const __m512i a = _mm512_loadu_si512(s + i), b = _mm512_loadu_si512(s + i + 64);
    const __m512i c = _mm512_loadu_si512(s + i + 128), e = _mm512_loadu_si512(s + i + 192);
    _mm512_storeu_si512(d + i, a);
    _mm512_storeu_si512(d + i + 64, b);
    _mm512_storeu_si512(d + i + 128, c);
    _mm512_storeu_si512(d + i + 192, e);
  }
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(d + i, _mm512_loadu_si512(s + i));
  if (i < n) {
    const __mmask64 m = byte_mask(n - i);
    _mm512_mask_storeu_epi8(d + i, m, _mm512_maskz_loadu_epi8(m, s + i));
  }
}

}  // namespace

void x_copy_rows__avx512(uint8_t* dst, int64_t dst_stride, const uint8_t* src, int64_t src_stride, int64_t rows,
                         int64_t bytes) {
  for (int64_t r = 0; r < rows; ++r) copy_run(dst + r * dst_stride, src + r * src_stride, bytes);
}

void x_fill__avx512(uint8_t* dst, const uint8_t* word, int64_t word_bytes, int64_t count) {
  __m512i v;
  switch (word_bytes) {
    case 1: v = _mm512_set1_epi8(static_cast<char>(word[0])); break;
    case 2: {
      int16_t w;
      std::memcpy(&w, word, 2);
      v = _mm512_set1_epi16(w);
      break;
    }
    case 4: {
      int32_t w;
      std::memcpy(&w, word, 4);
      v = _mm512_set1_epi32(w);
      break;
    }
    default: {
      long long w;
      std::memcpy(&w, word, 8);
      v = _mm512_set1_epi64(w);
    }
  }
  const int64_t n = count * word_bytes;  // 64 is a multiple of every word size, so bytes line up
  int64_t i = 0;
  for (; i + 256 <= n; i += 256) {
    _mm512_storeu_si512(dst + i, v);
    _mm512_storeu_si512(dst + i + 64, v);
    _mm512_storeu_si512(dst + i + 128, v);
    _mm512_storeu_si512(dst + i + 192, v);
  }
  for (; i + 64 <= n; i += 64) _mm512_storeu_si512(dst + i, v);
  if (i < n) _mm512_mask_storeu_epi8(dst + i, byte_mask(n - i), v);
}

void x_gather_words__avx512(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count,
                            int64_t word_bytes) {
  int64_t i = 0;
  if (word_bytes == 4) {
    for (; i + 16 <= count; i += 16) {
      const __m512i at = _mm512_loadu_si512(index + i);
      _mm512_storeu_si512(dst + i * 4, _mm512_i32gather_epi32(at, src, 4));
    }
    if (i < count) {
      const __mmask16 m = static_cast<__mmask16>((1u << (count - i)) - 1);
      const __m512i at = _mm512_maskz_loadu_epi32(m, index + i);
      _mm512_mask_storeu_epi32(dst + i * 4, m, _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, at, src, 4));
    }
  } else if (word_bytes == 8) {
    for (; i + 8 <= count; i += 8) {
      const __m256i at = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(index + i));
      _mm512_storeu_si512(dst + i * 8, _mm512_i32gather_epi64(at, src, 8));
    }
    if (i < count) {
      const __mmask8 m = static_cast<__mmask8>((1u << (count - i)) - 1);
      const __m256i at = _mm256_maskz_loadu_epi32(m, index + i);
      _mm512_mask_storeu_epi64(dst + i * 8, m, _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), m, at, src, 8));
    }
  } else if (word_bytes == 2) {
    gather_plain<uint16_t>(dst, src, index, count);
  } else {
    gather_plain<uint8_t>(dst, src, index, count);
  }
}

void x_gather_rows__avx512(uint8_t* dst, const uint8_t* src, const int64_t* index, int64_t count, int64_t row_bytes) {
  for (int64_t i = 0; i < count; ++i) copy_run(dst + i * row_bytes, src + index[i] * row_bytes, row_bytes);
}

}  // namespace kiln
