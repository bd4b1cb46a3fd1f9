// qu8_maxpool2d_nhwc: max pooling over NHWC uint8 activations (int8 activations between qu8
// layers). Quantization is monotonic, so the max of quantized values is the quantized max: input
// and output share one grid and the layer needs no scale. Padding never wins (only valid taps).
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln::lowp_pool {

struct PoolShape {
  int64_t batch, h, w, c, oh, ow;
  int64_t kh, kw, sh, sw, pad_top, pad_left, dh, dw;
};

// One output pixel: y[c] = max over the window's valid taps of x[tap][c] (taps: pointers to the
// input pixels of the window, `count` of them).
using PixelFn = void (*)(const uint8_t* const* taps, int64_t count, int64_t c, uint8_t* y);

struct MaxpoolVariant {
  const char* name;  // qu8_maxpool2d_nhwc__avx512, qu8_maxpool2d_nhwc__scalar
  Isa isa;
  PixelFn pixel;
};

const MaxpoolVariant* maxpool_variants();
size_t maxpool_variant_count();

void max_pixel__scalar(const uint8_t* const* taps, int64_t count, int64_t c, uint8_t* y);
void max_pixel__avx512(const uint8_t* const* taps, int64_t count, int64_t c, uint8_t* y);

}  // namespace kiln::lowp_pool
