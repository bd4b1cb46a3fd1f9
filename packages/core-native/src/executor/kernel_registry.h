// THE list of kernel families the executor knows, by tactic-id base name. A tactic id is
// "<base>__<isa>" (exact variant; the layer fails to build if this CPU or KILN_MAX_ISA cannot
// run it) or "<base>" (best variant usable here). To wire in a new family: add its factory and
// ISA set to kernel_registry.cc (one line), nothing else.
//
// Multi-variant families (f32-conv, f32-gemm) register one entry per variant base
// (f32_conv_1x1_14x32, f32_dwconv_3x3, ...) sharing a `family` name, plus an unlisted alias entry
// under the family name itself ("f32_conv": the first applicable variant in preference order).
#pragma once

#include <string>
#include <vector>

#include "executor/op.h"

namespace kiln {

struct KernelFamily {
  std::string base;    // e.g. "f32_vbinary_add", "f32_conv_1x1_14x32"
  unsigned isa_mask;   // bit i set: a variant exists for Isa(i)
  OpFactory factory;
  std::string family;  // KernelInfo.family: the builder's layer family ("f32_conv"); base when empty
  bool listed = true;  // false for aliases (family-name entries), which kernels() does not list
};

const std::vector<KernelFamily>& kernel_families();

// Resolves a tactic id and builds the layer's Op; throws ERR_PROGRAM_INVALID for an unknown id,
// ERR_KERNEL_UNAVAILABLE when this CPU (or the cap) cannot run the requested variant.
// `tactic` receives the resolved id ("<base>__<isa>", or the exact variant a family alias picked).
std::unique_ptr<Op> build_op(const Program& program, int layer_index, std::string* tactic);

// Every tactic id "<base>__<isa>" with whether it is runnable here. Entries sharing a family are
// listed ISA-major (highest first), in the family's preference order within an ISA.
struct KernelInfo {
  std::string name;
  std::string isa;
  bool runnable;
  std::string family;
};
std::vector<KernelInfo> list_kernels();

constexpr unsigned isa_bit(Isa isa) { return 1u << static_cast<int>(isa); }
constexpr unsigned kScalarOnly = isa_bit(Isa::kScalar);
#if defined(KILN_X86)
constexpr unsigned kVectorIsas = isa_bit(Isa::kScalar) | isa_bit(Isa::kAvx2) | isa_bit(Isa::kAvx512);
#else
constexpr unsigned kVectorIsas = kScalarOnly;
#endif

}  // namespace kiln
