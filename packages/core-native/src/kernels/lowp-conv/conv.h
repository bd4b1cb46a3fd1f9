// Reduced-precision Conv2D over NHWC (bf16_conv, f16_conv, qu8_conv): f32-conv's GEMM lowering
// (1x1 as a GEMM on the input, im2col blocks otherwise, per group) on a lowp-gemm variant. fp32
// activations in and out; the weights are packed once per group with the GEMM variant's pack_b.
// Depthwise convolutions stay on f32-conv (they are memory-bound: no GEMM to speed up).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/f32-conv/conv.h"
#include "kernels/f32-gemm/scratch.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln::lowp_conv {

using f32_conv::ConvShape;

struct ConvParams {
  const float* input = nullptr;
  const void* packed_weights = nullptr;  // 64-byte aligned, from pack()
  float* output = nullptr;
  lowp_gemm::Epilogue epilogue;           // bias [out_c]; residual dense NHWC [.., out_c]
  // Elements between output pixels: 0 (dense, out_c) or more, a channel range of a wider NHWC
  // tensor (concat elimination), for every output dtype. The residual stays dense.
  int64_t output_stride = 0;
  lowp_gemm::Quantization quantization;   // qu8: the input's scale and zero point
  // qu8 only, int8 activations between layers: the input already on `quantization`'s grid
  // (input unused), and/or the output written on `output_quantization`'s grid (output unused).
  const uint8_t* input_u8 = nullptr;
  uint8_t* output_u8 = nullptr;
  lowp_gemm::Quantization output_quantization;
  const uint8_t* residual_u8 = nullptr;  // NHWC like the output, on residual_grid (epilogue.residual null)
  lowp_gemm::Quantization residual_grid;
  // bf16 only, bf16 activations between layers: the input, output and/or residual as bfloat16
  // (input / output / epilogue.residual then unused). See run_bf16_io.
  const uint16_t* input_bf16 = nullptr;
  uint16_t* output_bf16 = nullptr;
  const uint16_t* residual_bf16 = nullptr;
};

struct ConvVariant {
  const char* name;  // bf16_conv_1x1_32x32__amx, qu8_conv_im2col_14x32c4__avx512vnni, ...
  Isa isa;
  const char* gemm;  // the lowp-gemm variant it runs on
  bool one_by_one;   // 1x1 without padding only (a GEMM on the input when the stride is 1)
  // 1x1 with K <= 64 only, on conv_1x1_small_k (weights packed as `gemm` packs them).
  bool small_k = false;
  // A bf16 twin of this f32_conv Winograd variant: the same fp32 weights, transforms and
  // arithmetic, bfloat16 activations read and written around it (`gemm` only names the format).
  // In a bf16 engine a 3x3 conv then keeps Winograd's 2.25-4x fewer multiply-adds without a
  // conversion layer on either side; it rounds only its input and output, as bf16 layers do.
  const char* winograd = nullptr;
};

const ConvVariant* conv_variants();
size_t conv_variant_count();
const ConvVariant* find_conv_variant(const char* name);
// The contiguous run of conv_variants() whose GEMM has this format.
lowp_gemm::VariantRange format_range(lowp_gemm::Format format);
const lowp_gemm::LowpVariant& gemm_of(const ConvVariant& variant);
bool applies(const ConvVariant& variant, const ConvShape& shape);

// Bytes of the packed weights (per group, rounded to 64 bytes).
size_t packed_bytes(const ConvVariant& variant, const ConvShape& shape);

// weights: ONNX OIHW [out_c, in_c / groups, kh, kw]; scales (qu8): per output channel (count
// out_c) or one (count 1); null computes per-channel max|w| / 127.
void pack(const ConvVariant& variant, const ConvShape& shape, const float* weights, const float* scales,
          int64_t scale_count, void* packed);

void run(const ConvVariant& variant, const ConvShape& shape, const ConvParams& params, ThreadPool* pool);

// The task grid of a conv's GEMM (m rows, n = output channels per group, depth k) on `threads`:
// f32_gemm::plan_tiles over the GEMM's tile (one thread's worth per group when grouped), rows
// shared evenly for direct 1x1 convs off AMX (plan_gemm_tiles); tasks that build im2col rows
// (`direct` false) get at most about 64 K elements of them each.
f32_gemm::TileGrid conv_task_grid(const lowp_gemm::LowpVariant& gemm, const ConvShape& shape, int64_t m, int64_t n,
                                  int64_t k, bool direct, int threads);

// run() for a bf16 variant with any bfloat16 tensor (conv_bf16.cc), and for the AVX512-BF16
// variants always: variants with a bf16-io kernel (LowpVariant::io: AMX, AVX512-BF16) read bf16
// input rows (or bf16 im2col rows) in place and round their fp32 epilogue to bf16 on store; the
// scalar variant widens and narrows around the fp32 path. Either
// way each output is bit for bit float_to_bf16 of the fp32-path result on the widened tensors.
void run_bf16_io(const ConvVariant& variant, const ConvShape& shape, const ConvParams& params, ThreadPool* pool);

}  // namespace kiln::lowp_conv
