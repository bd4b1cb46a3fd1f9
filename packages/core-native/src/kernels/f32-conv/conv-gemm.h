// Internal: GEMM-based Conv2D (1x1 direct, strided 1x1 / general via im2col) and ConvTranspose
// (GEMM + col2im gather), parameterized by an f32 GEMM variant.
#pragma once

#include "conv.h"
#include "kernels/f32-gemm/gemm.h"

namespace kiln::f32_conv {

// Shared with the reduced-precision convolutions (lowp-conv), which lower to GEMMs the same way.
// 1x1, stride 1, no padding: the GEMM's A is the NHWC input itself.
bool is_gemm_direct(const ConvShape& shape);
// Rows [row0, row0 + rows) of group g's im2col matrix: row = (n, oh, ow), columns ordered
// (kh, kw, ci) with in_c/g channels contiguous; out-of-image taps are zero.
void im2col(const ConvShape& shape, const float* input, int64_t g, int64_t row0, int64_t rows,
            float* col);
// Group g's OIHW weights as the GEMM's B[k = (kh, kw, ci)][n = co] (k x out_c/g floats).
void gemm_weights(const ConvShape& shape, const float* weights_oihw, int64_t g, float* b);

size_t conv_gemm_packed_size(const f32_gemm::GemmVariant& gemm, const ConvShape& shape);
void conv_gemm_pack(const f32_gemm::GemmVariant& gemm, const ConvShape& shape,
                    const float* weights_oihw, float* packed);
void conv_gemm_run(const f32_gemm::GemmVariant& gemm, const ConvShape& shape,
                   const ConvParams& params, ThreadPool* pool);

size_t deconv_gemm_packed_size(const f32_gemm::GemmVariant& gemm, const DeconvShape& shape);
void deconv_gemm_pack(const f32_gemm::GemmVariant& gemm, const DeconvShape& shape,
                      const float* weights_iohw, float* packed);
void deconv_gemm_run(const f32_gemm::GemmVariant& gemm, const DeconvShape& shape,
                     const ConvParams& params, ThreadPool* pool);

// Plain-loop references (the oracles), always applicable. Their packed layout is the ONNX layout.
void conv_reference_run(const ConvShape& shape, const ConvParams& params, ThreadPool* pool);
void deconv_reference_run(const DeconvShape& shape, const ConvParams& params, ThreadPool* pool);

}  // namespace kiln::f32_conv
