#include "executor/kernel_registry.h"

#include "executor/error.h"
#include "executor/factories.h"

namespace kiln {

const std::vector<KernelFamily>& kernel_families() {
  static const std::vector<KernelFamily> families = {
      {"f32_vbinary_add", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_sub", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_mul", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_div", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_max", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_min", kVectorIsas, make_f32_vbinary},
      {"f32_vbinary_pow", kVectorIsas, make_f32_vbinary},
      {"f32_vunary", kVectorIsas, make_f32_vunary},
      {"f32_softmax", kVectorIsas, make_f32_softmax},
      {"f32_logsoftmax", kVectorIsas, make_f32_softmax},
      {"f32_layernorm", kVectorIsas, make_f32_layernorm},
      {"f32_reduce_sum", kVectorIsas, make_f32_reduce},
      {"f32_reduce_mean", kVectorIsas, make_f32_reduce},
      {"f32_reduce_max", kVectorIsas, make_f32_reduce},
      {"f32_maxpool2d", kScalarOnly, make_f32_pool2d},
      {"f32_avgpool2d", kScalarOnly, make_f32_pool2d},
      {"f32_globalmaxpool", kScalarOnly, make_f32_pool2d},
      {"f32_globalavgpool", kScalarOnly, make_f32_pool2d},
      {"x_transpose", kScalarOnly, make_x_transpose},
      {"x_concat", kScalarOnly, make_x_concat},
      {"x_slice", kScalarOnly, make_x_slice},
      {"x_gather", kScalarOnly, make_x_gather},
      {"x_copy", kScalarOnly, make_x_copy},
      {"x_cast", kScalarOnly, make_x_cast},
      // f32_gemm_* / f32_conv_* families from src/kernels/f32-gemm and f32-conv go here.
  };
  return families;
}

std::unique_ptr<Op> build_op(const Program& program, int layer_index, std::string* tactic) {
  const LayerDesc& layer = program.layers[layer_index];
  const std::string where = "layers[" + std::to_string(layer_index) + "] (" + layer.kernel + ")";
  std::string base = layer.kernel;
  bool exact = false;
  Isa isa = max_isa();
  const size_t split = layer.kernel.rfind("__");
  if (split != std::string::npos) {
    base = layer.kernel.substr(0, split);
    if (!parse_isa(layer.kernel.substr(split + 2).c_str(), &isa)) {
      throw KilnException("ERR_PROGRAM_INVALID", "Unknown ISA suffix in kernel id.",
                          "<family>__scalar|avx2|avx512|avx512vnni|amx", layer.kernel, where,
                          "Use a tactic id from kernels(), or the family name alone for the best variant.");
    }
    exact = true;
  }
  for (const KernelFamily& family : kernel_families()) {
    if (base != family.base) continue;
    if (exact) {
      if (!(family.isa_mask & isa_bit(isa))) {
        throw KilnException("ERR_PROGRAM_INVALID", "This kernel family has no variant for that ISA.",
                            "a tactic id listed by kernels()", layer.kernel, where,
                            "Rebuild the plan with this Kiln version.");
      }
      if (!isa_usable(isa)) {
        throw KilnException("ERR_KERNEL_UNAVAILABLE", "The plan uses a kernel this CPU (or KILN_MAX_ISA) cannot run.",
                            std::string("a variant at or below ") + isa_name(max_isa()), layer.kernel, where,
                            "Rebuild the plan on this machine, or raise/unset KILN_MAX_ISA.");
      }
    } else {
      while (!(family.isa_mask & isa_bit(isa))) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
    }
    *tactic = base + "__" + isa_name(isa);
    return family.factory(OpBuildArgs{program, layer, where, base, isa});
  }
  throw KilnException("ERR_PROGRAM_INVALID", "Unknown kernel id.", "a tactic id listed by kernels()", layer.kernel,
                      where, "Rebuild the plan with this Kiln version.");
}

std::vector<KernelInfo> list_kernels() {
  std::vector<KernelInfo> out;
  for (const KernelFamily& family : kernel_families()) {
    for (int i = kIsaCount - 1; i >= 0; --i) {
      const Isa isa = static_cast<Isa>(i);
      if (family.isa_mask & isa_bit(isa)) {
        out.push_back({std::string(family.base) + "__" + isa_name(isa), isa_name(isa), isa_usable(isa)});
      }
    }
  }
  return out;
}

}  // namespace kiln
