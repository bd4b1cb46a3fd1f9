// packWeights: ONNX-layout weights -> the packed operand of one f32-conv / f32-gemm tactic, as the
// builder stores it in the plan. Plain C++; the N-API wrapper is napi/pack_bindings.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/aligned.h"

namespace kiln {

// tactic: an exact f32-conv Conv2D or f32-gemm variant name, or the alias f32_conv / f32_gemm
// (resolved as createEngine resolves it under the current ISA cap).
// Conv shape (13): [OC, IC, kh, kw, sh, sw, dh, dw, pad t, l, b, r, group], weights [OC, IC/group, kh, kw].
// GEMM shape (3): [K, N, transB], weights [K, N] (transB 0) or [N, K] (transB 1).
// Inverted-residual block (f32_mbconv*) shape (14): [hasExpand, C, E, OC, kh, kw, sh, sw, dh, dw, pad t, l, b,
// r], weights expand [E, C, 1, 1] (when hasExpand), depthwise [E, 1, kh, kw], project [OC, E, 1, 1] back to back;
// bf16_mbconv* the same (its 1x1 convs packed as bf16).
// Reduced-precision tactics (bf16_/f16_/qu8_ gemm and conv) take the same shapes. qu8 tactics
// also need the input's quantization (scale, zero point in [0, 255]; an int8 zero point z is
// z + 128) and take optional weight scales (1 per tensor, or 1 per output channel; default
// max|w| / 127 per channel).
struct PackOptions {
  const float* weight_scales = nullptr;
  int64_t weight_scale_count = 0;
  bool has_input_quantization = false;
  float input_scale = 0.0f;
  double input_zero_point = 0.0;
};

// Returns the packed floats in a 64-byte-aligned buffer; throws KilnException(ERR_ARGUMENT).
AlignedBuffer pack_weights(const std::string& tactic, const std::vector<double>& shape, const float* weights,
                           int64_t weights_length, const PackOptions& options = PackOptions());

}  // namespace kiln
