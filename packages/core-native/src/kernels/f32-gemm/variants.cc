#include "variants.h"

#include <cstring>

#include "ukernels.h"

namespace kiln::f32_gemm {
namespace {

// name, isa, mr, nr, kc, mc, ukernel, epilogue, in-place-A ukernel, indirect (conv) ukernel
const GemmVariant kVariants[] = {
    {"f32_gemm_14x32__avx512", Isa::kAvx512, 14, 32, 256, 700, f32_gemm_14x32__avx512,
     f32_epilogue_row__avx512, f32_gemm_direct_14x32__avx512,
     f32_gemm_indirect_14x32__avx512},
    {"f32_gemm_12x32__avx512", Isa::kAvx512, 12, 32, 256, 600, f32_gemm_12x32__avx512,
     f32_epilogue_row__avx512, f32_gemm_direct_12x32__avx512,
     f32_gemm_indirect_12x32__avx512},
    {"f32_gemm_8x48__avx512", Isa::kAvx512, 8, 48, 192, 512, f32_gemm_8x48__avx512,
     f32_epilogue_row__avx512, f32_gemm_direct_8x48__avx512,
     f32_gemm_indirect_8x48__avx512},
    {"f32_gemm_28x16__avx512", Isa::kAvx512, 28, 16, 256, 672, f32_gemm_28x16__avx512,
     f32_epilogue_row__avx512, f32_gemm_direct_28x16__avx512,
     f32_gemm_indirect_28x16__avx512},
    {"f32_gemm_6x32__avx512", Isa::kAvx512, 6, 32, 256, 600, f32_gemm_6x32__avx512,
     f32_epilogue_row__avx512, f32_gemm_direct_6x32__avx512,
     f32_gemm_indirect_6x32__avx512},
    {"f32_gemm_6x16__avx2", Isa::kAvx2, 6, 16, 256, 600, f32_gemm_6x16__avx2,
     f32_epilogue_row__avx2, f32_gemm_direct_6x16__avx2,
     f32_gemm_indirect_6x16__avx2},
    // Channel counts that are multiples of 24 but not of 16 (24, 72, ...) fill every lane.
    {"f32_gemm_4x24__avx2", Isa::kAvx2, 4, 24, 192, 400, f32_gemm_4x24__avx2,
     f32_epilogue_row__avx2, f32_gemm_direct_4x24__avx2,
     f32_gemm_indirect_4x24__avx2},
    // The reference keeps to the one packed path.
    {"f32_gemm_4x4__scalar", Isa::kScalar, 4, 4, 256, 256, f32_gemm_4x4__scalar,
     f32_epilogue_row__scalar, nullptr, nullptr},
};

}  // namespace

const GemmVariant* variants() { return kVariants; }
size_t variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const GemmVariant* find_variant(const char* name) {
  for (const GemmVariant& variant : kVariants) {
    if (std::strcmp(variant.name, name) == 0) return &variant;
  }
  return nullptr;
}

bool applies(const GemmVariant& variant, Isa host, int64_t m, int64_t n, int64_t k) {
  return static_cast<int>(variant.isa) <= static_cast<int>(host) && m >= 1 && n >= 1 && k >= 1;
}

}  // namespace kiln::f32_gemm
