// Scalar reference for the data-movement microkernels (move.h): memcpy per run, one word at a
// time for fills and gathers.
#include <cstring>

#include "kernels/x-copy/move.h"

namespace kiln {

void x_copy_rows__scalar(uint8_t* dst, int64_t dst_stride, const uint8_t* src, int64_t src_stride, int64_t rows,
                         int64_t bytes) {
  for (int64_t r = 0; r < rows; ++r) {
    std::memcpy(dst + r * dst_stride, src + r * src_stride, static_cast<size_t>(bytes));
  }
}

void x_fill__scalar(uint8_t* dst, const uint8_t* word, int64_t word_bytes, int64_t count) {
  for (int64_t i = 0; i < count; ++i) std::memcpy(dst + i * word_bytes, word, static_cast<size_t>(word_bytes));
}

void x_gather_words__scalar(uint8_t* dst, const uint8_t* src, const int32_t* index, int64_t count,
                            int64_t word_bytes) {
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(dst + i * word_bytes, src + index[i] * word_bytes, static_cast<size_t>(word_bytes));
  }
}

void x_gather_rows__scalar(uint8_t* dst, const uint8_t* src, const int64_t* index, int64_t count, int64_t row_bytes) {
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(dst + i * row_bytes, src + index[i] * row_bytes, static_cast<size_t>(row_bytes));
  }
}

}  // namespace kiln
