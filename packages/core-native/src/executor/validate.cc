// Structural checks of a Program: every index, offset, size and slot. Kernel-specific checks
// (shapes, params) happen in each family's factory.
#include <limits>

#include "executor/error.h"
#include "executor/program.h"

namespace kiln {

bool parse_dtype(const std::string& name, DType* out) {
  for (DType d : {DType::kFloat32, DType::kInt64, DType::kInt32, DType::kBool, DType::kUint8, DType::kBfloat16}) {
    if (name == dtype_name(d)) {
      *out = d;
      return true;
    }
  }
  return false;
}

const char* location_name(Location l) {
  switch (l) {
    case Location::kArena: return "arena";
    case Location::kWeights: return "weights";
    case Location::kInput: return "input";
    case Location::kOutput: return "output";
  }
  return "?";
}

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

constexpr int64_t kMaxBytes = int64_t{1} << 46;

void fill_slots(std::vector<int>& slots, const TensorDesc& t, int index, const std::string& where) {
  check_program(t.slot >= 0 && t.slot < 65536, where + ".slot", "Binding slot out of range.", "0..65535",
                std::to_string(t.slot));
  if (slots.size() <= static_cast<size_t>(t.slot)) slots.resize(t.slot + 1, -1);
  check_program(slots[t.slot] == -1, where + ".slot", "Two tensors use the same binding slot.", "unique slots",
                "slot " + std::to_string(t.slot) + " also used by tensors[" + std::to_string(slots[t.slot]) + "]");
  slots[t.slot] = index;
}

// Kernels whose factories honour a strided output (they check the variant themselves): f32 GEMMs
// and convs, and every reduced-precision GEMM and conv (fp32, bfloat16 or uint8 output).
bool writes_strided(const std::string& kernel) {
  for (const char* family : {"f32_gemm", "f32_conv", "bf16_gemm", "bf16_conv", "f16_gemm", "f16_conv", "qu8_gemm", "qu8_conv"}) {
    if (kernel.rfind(family, 0) == 0) return true;
  }
  return false;
}

// A strided tensor: rows of its last dim, row_stride elements apart, inside the arena.
void check_strided(TensorDesc& t, const std::string& where) {
  check_program(t.row_stride >= 0, where + ".rowStride", "Negative row stride.", ">= 0", std::to_string(t.row_stride));
  if (t.row_stride == 0) return;
  check_program(t.location == Location::kArena, where + ".rowStride", "Only arena tensors may be strided.",
                "location arena", location_name(t.location));
  check_program(!t.shape.empty() && t.shape.back() >= 1 && t.row_stride >= t.shape.back() && t.row_stride < kMaxBytes,
                where + ".rowStride", "Row stride must cover the last dim.",
                "last dim <= rowStride < 2^46", std::to_string(t.row_stride) + " for shape " + shape_string(t.shape));
  if (t.elements == 0) return;
  const int64_t rows = t.elements / t.shape.back();
  check_program(rows - 1 <= (kMaxBytes - t.shape.back()) / t.row_stride, where + ".rowStride", "Strided tensor too large.",
                "< 2^46 elements spanned", std::to_string(rows) + " rows of stride " + std::to_string(t.row_stride));
  t.extent = ((rows - 1) * t.row_stride + t.shape.back()) * static_cast<int64_t>(dtype_size(t.dtype));
}

}  // namespace

void validate_program(Program& p, int64_t weights_bytes) {
  check_program(p.arena_bytes >= 0 && p.arena_bytes < kMaxBytes, "arenaBytes", "Arena size out of range.",
                "0 <= arenaBytes < 2^46", std::to_string(p.arena_bytes));
  p.input_tensors.clear();
  p.output_tensors.clear();
  for (size_t i = 0; i < p.tensors.size(); ++i) {
    TensorDesc& t = p.tensors[i];
    const std::string where = "tensors[" + std::to_string(i) + "]";
    check_program(t.shape.size() <= 8, where + ".shape", "Tensor rank too high.", "rank <= 8",
                  std::to_string(t.shape.size()));
    int64_t elements = 1;
    for (int64_t d : t.shape) {
      check_program(d >= 0 && d < kMaxBytes, where + ".shape", "Invalid dimension.", "non-negative integers",
                    shape_string(t.shape));
      elements *= d;
      check_program(elements < kMaxBytes, where + ".shape", "Tensor too large.", "< 2^46 elements",
                    shape_string(t.shape));
    }
    t.elements = elements;
    t.bytes = elements * static_cast<int64_t>(dtype_size(t.dtype));
    t.extent = t.bytes;
    check_strided(t, where);
    // uint8 and bfloat16 hold activations between int8 or bf16 layers only: never an engine input
    // or output.
    check_program((t.dtype != DType::kUint8 && t.dtype != DType::kBfloat16) || t.location == Location::kArena,
                  where + ".location", std::string(dtype_name(t.dtype)) + " tensors live in the arena.", "arena",
                  location_name(t.location));
    const int64_t align = static_cast<int64_t>(dtype_size(t.dtype));
    switch (t.location) {
      case Location::kArena:
      case Location::kWeights: {
        const int64_t limit = t.location == Location::kArena ? p.arena_bytes : weights_bytes;
        const char* buffer = t.location == Location::kArena ? "arenaBytes" : "the weights buffer's byteLength";
        check_program(t.offset >= 0 && t.offset % align == 0, where + ".offset", "Misaligned or negative offset.",
                      "a non-negative multiple of " + std::to_string(align), std::to_string(t.offset));
        check_program(t.offset <= limit && t.extent <= limit - t.offset, where + ".offset",
                      "Tensor extends past the end of its buffer.",
                      std::string("offset + ") + std::to_string(t.extent) + " bytes <= " + buffer + " (" +
                          std::to_string(limit) + ")",
                      "offset " + std::to_string(t.offset));
        break;
      }
      case Location::kInput: fill_slots(p.input_tensors, t, static_cast<int>(i), where); break;
      case Location::kOutput: fill_slots(p.output_tensors, t, static_cast<int>(i), where); break;
    }
  }
  for (auto* slots : {&p.input_tensors, &p.output_tensors}) {
    for (size_t s = 0; s < slots->size(); ++s) {
      check_program((*slots)[s] != -1, slots == &p.input_tensors ? "inputs" : "outputs",
                    "Binding slots must be dense.", "slots 0..N-1 each used once", "slot " + std::to_string(s) + " unused");
    }
  }
  const int count = static_cast<int>(p.tensors.size());
  for (size_t l = 0; l < p.layers.size(); ++l) {
    const LayerDesc& layer = p.layers[l];
    const std::string where = "layers[" + std::to_string(l) + "] (" + layer.kernel + ")";
    for (const auto* list : {&layer.inputs, &layer.outputs}) {
      for (int index : *list) {
        check_program(index >= 0 && index < count, where, "Tensor index out of range.",
                      "0 <= index < " + std::to_string(count), std::to_string(index));
      }
    }
    // Kernels assume every tensor they touch has at least one element (extents divide strides
    // and tile counts); an empty tensor is refused here rather than reaching them.
    for (const auto* list : {&layer.inputs, &layer.outputs}) {
      for (int index : *list) {
        check_program(p.tensors[index].elements > 0, where, "Native kernels do not take empty tensors.",
                      "tensors with at least one element",
                      "tensors[" + std::to_string(index) + "] of shape " + shape_string(p.tensors[index].shape));
      }
    }
    for (int index : layer.inputs) {
      check_program(p.tensors[index].row_stride == 0 || layer.kernel.rfind("x_concat_view", 0) == 0, where,
                    "A layer reads a strided tensor.", "strided tensors read only by x_concat_view",
                    "tensors[" + std::to_string(index) + "] with rowStride " + std::to_string(p.tensors[index].row_stride));
    }
    for (int index : layer.outputs) {
      check_program(p.tensors[index].row_stride == 0 || writes_strided(layer.kernel), where,
                    "This kernel cannot write a strided tensor.", "strided outputs only on GEMM and GEMM-based conv layers (f32, bf16, f16, qu8)",
                    "tensors[" + std::to_string(index) + "] with rowStride " + std::to_string(p.tensors[index].row_stride));
    }
    for (int index : layer.outputs) {
      const Location loc = p.tensors[index].location;
      check_program(loc == Location::kArena || loc == Location::kOutput, where,
                    "A layer writes to a read-only tensor.", "outputs in the arena or bound outputs",
                    "tensors[" + std::to_string(index) + "] in " + location_name(loc));
    }
  }
}

}  // namespace kiln
