// The bf16 inverted-residual family's ordered variant list (the builder's tactics): fastest first
// by ISA; the scalar variant (the scalar bf16 GEMM and depthwise rows, the reference paths) last.
#include <cstring>

#include "mbconv.h"

namespace kiln::bf16_mbconv {
namespace {

// name, isa, bf16 GEMM variant of the 1x1 convs, bf16-dwconv variant for 3x3, for any kernel
const MbconvVariant kVariants[] = {
    {"bf16_mbconv_32x32__amx", Isa::kAmx, "bf16_gemm_32x32__amx", "bf16_dwconv_3x3__avx512bf16",
     "bf16_dwconv__avx512bf16"},
    {"bf16_mbconv_14x32c2__avx512bf16", Isa::kAvx512Bf16, "bf16_gemm_14x32c2__avx512bf16", "bf16_dwconv_3x3__avx512bf16",
     "bf16_dwconv__avx512bf16"},
    {"bf16_mbconv_4x4c2__scalar", Isa::kScalar, "bf16_gemm_4x4c2__scalar", nullptr, "bf16_dwconv__scalar"},
};

}  // namespace

const MbconvVariant* variants() { return kVariants; }
size_t variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const MbconvVariant* find_variant(const char* name) {
  for (const MbconvVariant& variant : kVariants) {
    if (std::strcmp(variant.name, name) == 0) return &variant;
  }
  return nullptr;
}

}  // namespace kiln::bf16_mbconv
