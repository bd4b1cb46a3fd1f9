#include "executor/kernel_registry.h"

#include "executor/error.h"
#include "executor/factories.h"
#include "kernels/bf16-dwconv/dwconv.h"
#include "kernels/bf16-matmul/matmul.h"
#include "kernels/bf16-mbconv/mbconv.h"
#include "kernels/bf16-pool/maxpool.h"
#include "kernels/f32-conv/stem.h"
#include "kernels/f32-conv/variants.h"
#include "kernels/f32-gemm/variants.h"
#include "kernels/f32-mbconv/mbconv.h"
#include "kernels/lowp-conv/conv.h"
#include "kernels/lowp-conv/stem.h"
#include "kernels/lowp-dwconv/dwconv.h"
#include "kernels/lowp-pool/maxpool.h"
#include "kernels/lowp-gemm/lowp.h"

namespace kiln {
namespace {

// One entry per variant base of a multi-variant family, in the family's list order (entries of a
// base seen again at another ISA merge into the first), then the unlisted family-name alias.
template <class Variant>
void add_variant_family(std::vector<KernelFamily>* out, const char* family, const Variant* list, size_t count,
                        OpFactory factory) {
  const size_t first = out->size();
  unsigned all = 0;
  for (size_t i = 0; i < count; ++i) {
    const std::string name = list[i].name;
    const std::string base = name.substr(0, name.rfind("__"));
    all |= isa_bit(list[i].isa);
    bool merged = false;
    for (size_t j = first; j < out->size() && !merged; ++j) {
      if ((*out)[j].base == base) {
        (*out)[j].isa_mask |= isa_bit(list[i].isa);
        merged = true;
      }
    }
    if (!merged) out->push_back({base, isa_bit(list[i].isa), factory, family, true});
  }
  out->push_back({family, all, factory, family, false});
}

std::vector<KernelFamily> make_families() {
  std::vector<KernelFamily> families = {
      {"f32_vbinary_add", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_sub", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_mul", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_div", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_max", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_min", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vbinary_pow", kVectorIsas, make_f32_vbinary, ""},
      {"f32_vunary", kVectorIsas, make_f32_vunary, ""},
      {"f32_softmax", kVectorIsas, make_f32_softmax, ""},
      {"f32_logsoftmax", kVectorIsas, make_f32_softmax, ""},
      {"f32_layernorm", kVectorIsas, make_f32_layernorm, ""},
      {"f32_reduce_sum", kVectorIsas, make_f32_reduce, ""},
      {"f32_reduce_mean", kVectorIsas, make_f32_reduce, ""},
      {"f32_reduce_max", kVectorIsas, make_f32_reduce, ""},
      {"f32_maxpool2d", kVectorIsas, make_f32_pool2d, ""},
      {"f32_avgpool2d", kVectorIsas, make_f32_pool2d, ""},
      {"f32_globalmaxpool", kVectorIsas, make_f32_pool2d, ""},
      {"f32_globalavgpool", kVectorIsas, make_f32_pool2d, ""},
      {"f32_maxpool2d_nhwc", kVectorIsas, make_f32_pool2d, ""},
      {"f32_avgpool2d_nhwc", kVectorIsas, make_f32_pool2d, ""},
      {"x_transpose", kVectorIsas, make_x_transpose, ""},
      {"x_concat", kVectorIsas, make_x_concat, ""},
      {"x_concat_view", kScalarOnly, make_x_concat_view, ""},
      {"x_slice", kVectorIsas, make_x_slice, ""},
      {"x_gather", kVectorIsas, make_x_gather, ""},
      {"x_copy", kVectorIsas, make_x_copy, ""},
      {"x_cast", kVectorIsas, make_x_cast, ""},
      {"f32_matmul", kVectorIsas, make_f32_matmul, ""},
      {"x_compare_equal", kVectorIsas, make_x_compare, ""},
      {"x_compare_less", kVectorIsas, make_x_compare, ""},
      {"x_compare_less_equal", kVectorIsas, make_x_compare, ""},
      {"x_compare_greater", kVectorIsas, make_x_compare, ""},
      {"x_compare_greater_equal", kVectorIsas, make_x_compare, ""},
      {"f32_isnan", kVectorIsas, make_f32_classify, ""},
      {"f32_isinf", kVectorIsas, make_f32_classify, ""},
      {"x_logical_and", kVectorIsas, make_x_logical, ""},
      {"x_logical_or", kVectorIsas, make_x_logical, ""},
      {"x_logical_xor", kVectorIsas, make_x_logical, ""},
      {"x_logical_not", kVectorIsas, make_x_logical, ""},
      {"x_where", kVectorIsas, make_x_where, ""},
      {"x_expand", kVectorIsas, make_x_expand, ""},
      {"x_tile", kVectorIsas, make_x_expand, ""},
      {"f32_batchnorm", kVectorIsas, make_f32_channelnorm, ""},
      {"f32_instancenorm", kVectorIsas, make_f32_channelnorm, ""},
      {"x_pad", kVectorIsas, make_x_pad, ""},
      {"x_split", kVectorIsas, make_x_split, ""},
      {"f32_resize", kVectorIsas, make_f32_resize, ""},
      {"f32_lstm", kVectorIsas, make_f32_rnn, ""},
      {"f32_gru", kVectorIsas, make_f32_rnn, ""},
  };
  add_variant_family(&families, "f32_conv", f32_conv::conv_variants(), f32_conv::conv_variant_count(),
                     make_f32_conv);
  add_variant_family(&families, "f32_conv_nchw", f32_conv::nchw_conv_variants(), f32_conv::nchw_conv_variant_count(),
                     make_f32_conv_nchw);
  add_variant_family(&families, "bf16_conv_nchw", f32_conv::bf16_nchw_conv_variants(),
                     f32_conv::bf16_nchw_conv_variant_count(), make_bf16_conv_nchw);
  add_variant_family(&families, "f32_deconv", f32_conv::deconv_variants(), f32_conv::deconv_variant_count(),
                     make_f32_deconv);
  add_variant_family(&families, "f32_gemm", f32_gemm::variants(), f32_gemm::variant_count(), make_f32_gemm);
  add_variant_family(&families, "f32_mbconv", f32_mbconv::variants(), f32_mbconv::variant_count(), make_f32_mbconv);
  for (lowp_gemm::Format format : {lowp_gemm::Format::kBf16, lowp_gemm::Format::kF16, lowp_gemm::Format::kQu8}) {
    const lowp_gemm::VariantRange gemm = lowp_gemm::format_range(format), conv = lowp_conv::format_range(format);
    add_variant_family(&families, lowp_gemm::gemm_family(format), lowp_gemm::variants() + gemm.first, gemm.count,
                       make_lowp_gemm);
    add_variant_family(&families, lowp_gemm::conv_family(format), lowp_conv::conv_variants() + conv.first, conv.count,
                       make_lowp_conv);
  }
  add_variant_family(&families, "qu8_conv_nchw", lowp_conv::stem_variants(), lowp_conv::stem_variant_count(),
                     make_qu8_conv_nchw);
  add_variant_family(&families, "qu8_dwconv", lowp_dwconv::dw_variants(), lowp_dwconv::dw_variant_count(),
                     make_qu8_dwconv);
  add_variant_family(&families, "bf16_dwconv", bf16_dwconv::dw_variants(), bf16_dwconv::dw_variant_count(),
                     make_bf16_dwconv);
  add_variant_family(&families, "bf16_mbconv", bf16_mbconv::variants(), bf16_mbconv::variant_count(),
                     make_bf16_mbconv);
  add_variant_family(&families, "bf16_matmul", bf16_matmul::variants(), bf16_matmul::variant_count(),
                     make_bf16_matmul);
  add_variant_family(&families, "bf16_maxpool2d_nhwc", bf16_pool::maxpool_variants(), bf16_pool::maxpool_variant_count(),
                     make_bf16_maxpool);
  add_variant_family(&families, "qu8_maxpool2d_nhwc", lowp_pool::maxpool_variants(), lowp_pool::maxpool_variant_count(),
                     make_qu8_maxpool);
  for (KernelFamily& family : families) {
    if (family.family.empty()) family.family = family.base;
  }
  return families;
}

// uint8 tensors are int8 activations between qu8 layers, bfloat16 tensors bf16 activations between
// bf16 layers: only the families that take them may read or write one (every other factory assumes
// the dtypes it has always seen).
void check_narrow_tensors(const Program& program, const LayerDesc& layer, const std::string& base,
                          const std::string& where) {
  // x_concat copies bytes, so uint8 inputs on one grid (or bf16 inputs) concatenate as they are;
  // x_concat_view (an eliminated concat) moves nothing and only checks where its inputs lie.
  const bool concat = base == "x_concat" || base == "x_concat_view";
  const bool takes_uint8 = base.rfind("qu8_conv", 0) == 0 || base.rfind("qu8_dwconv", 0) == 0 ||
                           base.rfind("qu8_maxpool2d_nhwc", 0) == 0 || concat;
  const bool takes_bf16 = base.rfind("bf16_conv", 0) == 0 || base.rfind("bf16_dwconv", 0) == 0 ||
                          base.rfind("bf16_mbconv", 0) == 0 || base.rfind("bf16_maxpool2d_nhwc", 0) == 0 || concat;
  for (const std::vector<int>* list : {&layer.inputs, &layer.outputs}) {
    for (int t : *list) {
      if (t < 0) continue;
      const DType dtype = program.tensors[t].dtype;
      if ((dtype == DType::kUint8 && !takes_uint8) || (dtype == DType::kBfloat16 && !takes_bf16)) {
        throw KilnException("ERR_PROGRAM_INVALID",
                            dtype == DType::kUint8 ? "Only qu8 layers and x_concat read or write uint8 tensors."
                                                   : "Only bf16 layers and x_concat read or write bfloat16 tensors.",
                            "float32, int64, int32 or bool tensors",
                            "tensors[" + std::to_string(t) + "] " + dtype_name(dtype), where,
                            "Rebuild the plan with this Kiln version.");
      }
    }
  }
}

}  // namespace

const std::vector<KernelFamily>& kernel_families() {
  static const std::vector<KernelFamily> families = make_families();
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
                          "<family>__" + isa_names("|", "|"), layer.kernel, where,
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
      while (static_cast<int>(isa) > 0 && !(family.isa_mask & isa_bit(isa))) isa = static_cast<Isa>(static_cast<int>(isa) - 1);
      if (!(family.isa_mask & isa_bit(isa))) {
        throw KilnException("ERR_KERNEL_UNAVAILABLE", "No variant of this kernel runs on this CPU (or under KILN_MAX_ISA).",
                            std::string("a variant at or below ") + isa_name(max_isa()), layer.kernel, where,
                            "Use the family name (e.g. f32_conv) or rebuild the plan on this machine.");
      }
    }
    check_narrow_tensors(program, layer, base, where);
    *tactic = base + "__" + isa_name(isa);
    OpBuildArgs args{program, layer, where, base, isa};
    args.tactic = tactic;
    return family.factory(args);
  }
  throw KilnException("ERR_PROGRAM_INVALID", "Unknown kernel id.", "a tactic id listed by kernels()", layer.kernel,
                      where, "Rebuild the plan with this Kiln version.");
}

std::vector<KernelInfo> list_kernels() {
  std::vector<KernelInfo> out;
  const std::vector<KernelFamily>& families = kernel_families();
  // Consecutive entries of one family are listed together: ISA-major, list order within an ISA.
  for (size_t begin = 0; begin < families.size();) {
    size_t end = begin + 1;
    while (end < families.size() && families[end].family == families[begin].family) ++end;
    for (int i = kIsaCount - 1; i >= 0; --i) {
      const Isa isa = static_cast<Isa>(i);
      for (size_t f = begin; f < end; ++f) {
        const KernelFamily& family = families[f];
        if (!family.listed || !(family.isa_mask & isa_bit(isa))) continue;
        out.push_back({family.base + "__" + isa_name(isa), isa_name(isa), isa_usable(isa), family.family});
      }
    }
    begin = end;
  }
  return out;
}

}  // namespace kiln
