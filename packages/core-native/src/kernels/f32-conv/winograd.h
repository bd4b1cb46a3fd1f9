// Internal: Winograd convolution for 3x3, stride 1, dilation 1, ungrouped Conv2D over NHWC.
// F(4x4, 3x3) (6x6 input tiles, 36 per-point GEMMs) and F(2x2, 3x3) (4x4 tiles, 16 GEMMs).
// Weights are transformed (G g G^T) and packed per point at build time; a run transforms a
// cache-sized block of input tiles (B^T d B), multiplies each point's [tiles x in_c] matrix by that
// point's packed [in_c x out_c] weights with an f32-gemm variant, and transforms the products back
// (A^T m A) with the fused epilogue. See README.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "conv.h"
#include "kernels/f32-gemm/gemm.h"

namespace kiln::f32_conv {

// Where and how an output transform stores a tile: pixel (i, j) of channel c at
// out[i * row_stride + j * pixel_stride + c] for i < rows, j < cols (edge tiles are clipped), after
// + bias[c] (if not null) and, if clamp, max(min_value) then min(max_value) (ReLU, Clip).
struct WinogradStore {
  float* out;
  int64_t row_stride, pixel_stride;
  int rows, cols;
  const float* bias;
  bool clamp;
  float min_value, max_value;
};

// Per-ISA transform kernels of one tile size, vectorized over channels (any channel count).
struct WinogradTransforms {
  int tile;  // output tile edge m: F(m x m, 3x3) reads (m + 2) x (m + 2) input tiles
  // Input tile (row-major (m+2)^2 pixel pointers, each `channels` floats; padding points at zeros)
  // to its transform: point p of channel c at out[p * point_stride + c].
  void (*input)(const float* const* pixels, int64_t channels, float* out, int64_t point_stride);
  // Products of one tile (point p of channel c at in[p * point_stride + c]) to its m x m output
  // pixels, stored as `store` says.
  void (*output)(const float* in, int64_t point_stride, int64_t channels, const WinogradStore& store);
};

#define KILN_WINOGRAD_TRANSFORMS(isa)                                                            \
  void f32_winograd_4x4_input__##isa(const float* const* pixels, int64_t channels, float* out,  \
                                     int64_t point_stride);                                     \
  void f32_winograd_4x4_output__##isa(const float* in, int64_t point_stride, int64_t channels,   \
                                      const WinogradStore& store);                              \
  void f32_winograd_2x2_input__##isa(const float* const* pixels, int64_t channels, float* out,  \
                                     int64_t point_stride);                                     \
  void f32_winograd_2x2_output__##isa(const float* in, int64_t point_stride, int64_t channels,   \
                                      const WinogradStore& store);

KILN_WINOGRAD_TRANSFORMS(avx512)
KILN_WINOGRAD_TRANSFORMS(avx2)
KILN_WINOGRAD_TRANSFORMS(scalar)

#undef KILN_WINOGRAD_TRANSFORMS

// groups = 1, 3x3 kernel, stride 1, dilation 1; any pads and sizes.
bool winograd_applies(const ConvShape& shape);

// Packed layout: per point p (row-major over the (m+2)^2 transform), G g G^T as the GEMM's
// B[k = ci][n = co] through f32-gemm's pack_b, each point rounded up to 16 floats.
size_t winograd_packed_size(const f32_gemm::GemmVariant& gemm, int tile, const ConvShape& shape);
void winograd_pack(const f32_gemm::GemmVariant& gemm, int tile, const ConvShape& shape,
                   const float* weights_oihw, float* packed);
// Writes through params.output_stride like the GEMM-based variants (concat elimination).
void winograd_run(const f32_gemm::GemmVariant& gemm, const WinogradTransforms& transforms,
                  const ConvShape& shape, const ConvParams& params, ThreadPool* pool);

}  // namespace kiln::f32_conv
