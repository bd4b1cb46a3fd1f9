// The packed-weights operand of bf16/f16/qu8 GEMM and conv layers, as packWeights writes it and
// the layer drivers read it: qu8 starts with a 64-byte header holding the input's quantization
// (so every precision of a layer takes the same params), then the kernel's packed B.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "executor/error.h"
#include "lowp.h"

namespace kiln::lowp_gemm {

constexpr int64_t kQuantHeaderBytes = 64;

inline int64_t header_bytes(Format format) { return format == Format::kQu8 ? kQuantHeaderBytes : 0; }

inline bool valid_quantization(const Quantization& q) {
  return std::isfinite(q.scale) && q.scale > 0.0f && q.zero_point >= 0 && q.zero_point <= 255;
}

inline void write_header(const Quantization& q, void* packed) {
  std::memcpy(packed, &q.scale, 4);
  std::memcpy(static_cast<uint8_t*>(packed) + 4, &q.zero_point, 4);
}

// Reads the header; throws when it is not a valid quantization (a corrupted weights buffer).
inline Quantization read_header(const void* packed, const std::string& where) {
  Quantization q;
  std::memcpy(&q.scale, packed, 4);
  std::memcpy(&q.zero_point, static_cast<const uint8_t*>(packed) + 4, 4);
  if (!valid_quantization(q)) {
    throw KilnException("ERR_PROGRAM_INVALID", "The packed int8 weights carry an invalid input quantization.",
                        "scale > 0 and finite, zero point in [0, 255]",
                        "scale " + std::to_string(q.scale) + ", zero point " + std::to_string(q.zero_point), where,
                        "Pack the weights with packWeights(tactic, shape, weights, { inputScale, inputZeroPoint }).");
  }
  return q;
}

}  // namespace kiln::lowp_gemm
