// qu8_maxpool2d_nhwc: max pooling over NHWC uint8 activations (int8 activations between qu8
// layers). Quantization is monotonic, so the max of quantized values is the quantized max: input
// and output share one grid and the layer needs no scale. Padding never wins (only valid taps).
// PoolShape and the rows-function signature are shared by every NHWC max pooling family.
#pragma once

#include <cstddef>
#include <cstdint>

#include "platform/cpu.h"

namespace kiln::lowp_pool {

struct PoolShape {
  int64_t batch, h, w, c, oh, ow;
  int64_t kh, kw, sh, sw, pad_top, pad_left, dh, dw;
};

// Output rows [begin, end) of a layer (row r = image r / oh, output row r % oh): each output pixel
// is the max over its window's valid taps; a window over padding only gets the family's empty value.
template <typename T>
using RowsFn = void (*)(const PoolShape& s, const T* x, T* y, int64_t begin, int64_t end);

struct MaxpoolVariant {
  const char* name;  // qu8_maxpool2d_nhwc__avx512, __avx2, __scalar
  Isa isa;
  RowsFn<uint8_t> rows;
};

const MaxpoolVariant* maxpool_variants();
size_t maxpool_variant_count();

void max_rows__scalar(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end);
void max_rows__avx512(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end);
void max_rows__avx2(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end);

}  // namespace kiln::lowp_pool
