// The compiled layer program the executor runs: a tensor table and an ordered layer list.
// Plain C++ (no N-API); built from JS by napi/program_from_js.cc, checked by validate.cc.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/f32-vunary/unary_ops.h"

namespace kiln {

// kUint8: int8 activations between qu8 layers (the scale and zero point are the layers' params).
// kBfloat16: bf16 activations between bf16 layers (the upper half of an fp32, rounded to nearest even).
enum class DType : int { kFloat32 = 0, kInt64 = 1, kInt32 = 2, kBool = 3, kUint8 = 4, kBfloat16 = 5 };

inline size_t dtype_size(DType d) {
  switch (d) {
    case DType::kFloat32: return 4;
    case DType::kInt64: return 8;
    case DType::kInt32: return 4;
    case DType::kBool: return 1;
    case DType::kUint8: return 1;
    case DType::kBfloat16: return 2;
  }
  return 0;
}

inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::kFloat32: return "float32";
    case DType::kInt64: return "int64";
    case DType::kInt32: return "int32";
    case DType::kBool: return "bool";
    case DType::kUint8: return "uint8";
    case DType::kBfloat16: return "bfloat16";
  }
  return "?";
}

bool parse_dtype(const std::string& name, DType* out);

enum class Location : int { kArena = 0, kWeights = 1, kInput = 2, kOutput = 3 };

const char* location_name(Location l);

struct TensorDesc {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> shape;
  int64_t elements = 1;
  int64_t bytes = 0;
  Location location = Location::kArena;
  int64_t offset = 0;  // arena / weights byte offset
  int slot = -1;       // input / output binding slot
  // Elements between consecutive rows of the last axis; 0 = dense. A strided tensor is a view of
  // a wider arena tensor (concat elimination: a producer writes its column range in place). Only
  // arena tensors, only written by layers that accept strided outputs (validate.cc), never read.
  int64_t row_stride = 0;
  // Bytes from offset to the end of the last element (bytes when dense).
  int64_t extent = 0;
};

struct LayerDesc {
  std::string kernel;  // tactic id, e.g. "f32_vbinary_add__avx512" or "f32_softmax" (best variant)
  std::vector<int> inputs, outputs;
  std::vector<double> params;
  std::vector<UnaryStep> epilogue;
};

struct Program {
  std::vector<TensorDesc> tensors;
  std::vector<LayerDesc> layers;
  int64_t arena_bytes = 0;
  std::vector<int> input_tensors;   // slot -> tensor index
  std::vector<int> output_tensors;  // slot -> tensor index
};

// Checks indices, sizes, offsets, slots; fills elements/bytes and the slot tables.
// Throws KilnException(ERR_PROGRAM_INVALID) with the offending field as `where`.
void validate_program(Program& program, int64_t weights_bytes);

std::string shape_string(const std::vector<int64_t>& shape);

}  // namespace kiln
