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

// Rows of output (lowp_pool::RowsFn): a window over padding only gives -inf (0xFF80), as fp32
// max pooling does.
constexpr uint16_t kNegativeInfinity = 0xFF80;

struct MaxpoolVariant {
  const char* name;  // bf16_maxpool2d_nhwc__avx512, bf16_maxpool2d_nhwc__scalar
  Isa isa;
  lowp_pool::RowsFn<uint16_t> rows;
};

const MaxpoolVariant* maxpool_variants();
size_t maxpool_variant_count();

void max_rows__scalar(const PoolShape& s, const uint16_t* x, uint16_t* y, int64_t begin, int64_t end);
void max_rows__avx512(const PoolShape& s, const uint16_t* x, uint16_t* y, int64_t begin, int64_t end);

}  // namespace kiln::bf16_pool
