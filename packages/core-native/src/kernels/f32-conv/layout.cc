// NCHW <-> NHWC conversion kernels for the convolution family's API boundary: per image, a
// channels x pixels transpose in 32 x 32 blocks so both sides stream through cache lines.
#include <algorithm>
#include <cassert>

#include "conv.h"

namespace kiln::f32_conv {
namespace {

// dst[j * rows + i] = src[i * cols + j] for a rows x cols matrix.
void transpose(const float* src, int64_t rows, int64_t cols, float* dst) {
  constexpr int64_t kBlock = 32;
  for (int64_t i0 = 0; i0 < rows; i0 += kBlock) {
    const int64_t i1 = std::min(rows, i0 + kBlock);
    for (int64_t j0 = 0; j0 < cols; j0 += kBlock) {
      const int64_t j1 = std::min(cols, j0 + kBlock);
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = j0; j < j1; ++j) dst[j * rows + i] = src[i * cols + j];
      }
    }
  }
}

}  // namespace

void nchw_to_nhwc(const float* input, int64_t batch, int64_t channels, int64_t height,
                  int64_t width, float* output) {
  assert(input != nullptr && output != nullptr && input != output);
  const int64_t pixels = height * width;
  for (int64_t n = 0; n < batch; ++n) {
    transpose(input + n * channels * pixels, channels, pixels, output + n * channels * pixels);
  }
}

void nhwc_to_nchw(const float* input, int64_t batch, int64_t channels, int64_t height,
                  int64_t width, float* output) {
  assert(input != nullptr && output != nullptr && input != output);
  const int64_t pixels = height * width;
  for (int64_t n = 0; n < batch; ++n) {
    transpose(input + n * channels * pixels, pixels, channels, output + n * channels * pixels);
  }
}

}  // namespace kiln::f32_conv
