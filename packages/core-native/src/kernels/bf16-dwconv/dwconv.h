// bf16_dwconv: depthwise Conv2D (groups == in_c == out_c) over NHWC with bf16 activations between
// bf16 layers. The input, output and residual are each fp32 or bfloat16; weights, bias and the
// arithmetic are fp32 (f32_dwconv's packed layout [kh * kw][round_up(C, 16)] and its FMA order:
// bias, then the valid taps in (kh, kw) order, then the residual and the activation), so a bf16
// output is float_to_bf16 of the fp32 value. Depthwise layers are memory-bound: the gain is the
// halved bytes, not the arithmetic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.h"
#include "platform/cpu.h"

namespace kiln {
class ThreadPool;
}

namespace kiln::bf16_dwconv {

using f32_conv::ConvShape;
using f32_conv::Epilogue;

// One tensor that is either fp32 or bf16.
struct Activations {
  const void* data = nullptr;
  bool bf16 = false;
};

struct DwParams {
  Activations input;
  const float* weights = nullptr;  // f32_conv::dwconv_pack layout
  Activations residual;            // like the output, or data null
  void* output = nullptr;
  bool output_bf16 = false;
  Epilogue epilogue;  // bias [C]; activation (residual: the field above)
};

// One output row (n, oh): out_w x C values. input: image n; residual/output: the row's start.
struct RowArgs {
  const ConvShape* shape;
  const void* input;
  bool input_bf16;
  const float* weights;
  const float* bias;
  const void* residual;
  bool residual_bf16;
  void* output;
  bool output_bf16;
  const Epilogue* epilogue;
  int64_t oh;
};

using RowFn = void (*)(const RowArgs& args);

struct DwVariant {
  const char* name;  // bf16_dwconv_3x3__avx512bf16, bf16_dwconv__avx512bf16, bf16_dwconv_3x3__avx512, ...
  Isa isa;
  bool three_by_three;  // 3x3 kernels only
  RowFn row;
};

const DwVariant* dw_variants();
size_t dw_variant_count();
const DwVariant* find_dw_variant(const char* name);
bool applies(const DwVariant& variant, const ConvShape& shape);

void bf16_dwconv__scalar(const RowArgs& args);
void bf16_dwconv_3x3__avx512(const RowArgs& args);
void bf16_dwconv_3x3__avx512bf16(const RowArgs& args);
void bf16_dwconv__avx512bf16(const RowArgs& args);
void bf16_dwconv__avx512(const RowArgs& args);

// Output rows split over the pool as f32_dwconv splits them.
void run(const DwVariant& variant, const ConvShape& shape, const DwParams& params, ThreadPool* pool);

}  // namespace kiln::bf16_dwconv
