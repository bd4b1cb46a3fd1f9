// bf16_maxpool2d_nhwc: max pooling over NHWC bf16 activations (bf16 activations between bf16
// layers). Rounding to bf16 is monotonic, so the max of rounded values is the rounded max: the
// output is exactly float_to_bf16 of f32_maxpool2d_nhwc's output on the widened input. Padding
// never wins (only valid taps).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/lowp-pool/maxpool.h"
#include "platform/cpu.h"

namespace kiln::bf16_pool {

using lowp_pool::PoolShape;

// One output pixel: y[c] = max over the window's `count` valid taps of x[tap][c] (count >= 1; the driver writes -inf for a window over padding only).
using PixelFn = void (*)(const uint16_t* const* taps, int64_t count, int64_t c, uint16_t* y);

struct MaxpoolVariant {
  const char* name;  // bf16_maxpool2d_nhwc__avx512, bf16_maxpool2d_nhwc__scalar
  Isa isa;
  PixelFn pixel;
};

const MaxpoolVariant* maxpool_variants();
size_t maxpool_variant_count();

void max_pixel__scalar(const uint16_t* const* taps, int64_t count, int64_t c, uint16_t* y);
void max_pixel__avx512(const uint16_t* const* taps, int64_t count, int64_t c, uint16_t* y);

}  // namespace kiln::bf16_pool
