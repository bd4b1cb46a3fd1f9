// The f32 inverted-residual family's ordered variant list (the builder's tactics): fastest first
// by ISA; the scalar variant (scalar GEMM and depthwise rows, the reference paths) is last.
#include <cstring>

#include "mbconv.h"

namespace kiln::f32_mbconv {
namespace {

// name, isa, GEMM variant of the 1x1 convs, depthwise rows for 3x3, for any kernel
const MbconvVariant kVariants[] = {
    {"f32_mbconv_14x32__avx512", Isa::kAvx512, "f32_gemm_14x32__avx512", f32_conv::f32_dwconv_3x3__avx512,
     f32_conv::f32_dwconv__avx512},
    // Narrow (16 or 48 output channels) projections waste lanes of a 32-wide tile; tactic timing
    // picks per block.
    {"f32_mbconv_28x16__avx512", Isa::kAvx512, "f32_gemm_28x16__avx512", f32_conv::f32_dwconv_3x3__avx512,
     f32_conv::f32_dwconv__avx512},
    {"f32_mbconv_8x48__avx512", Isa::kAvx512, "f32_gemm_8x48__avx512", f32_conv::f32_dwconv_3x3__avx512,
     f32_conv::f32_dwconv__avx512},
    {"f32_mbconv_6x16__avx2", Isa::kAvx2, "f32_gemm_6x16__avx2", f32_conv::f32_dwconv_3x3__avx2,
     f32_conv::f32_dwconv__avx2},
    // 24-channel projections (mobilenet_v2's 56x56 blocks) fill every lane of a 24-wide tile.
    {"f32_mbconv_4x24__avx2", Isa::kAvx2, "f32_gemm_4x24__avx2", f32_conv::f32_dwconv_3x3__avx2,
     f32_conv::f32_dwconv__avx2},
    {"f32_mbconv_4x4__scalar", Isa::kScalar, "f32_gemm_4x4__scalar", nullptr, f32_conv::f32_dwconv__scalar},
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

}  // namespace kiln::f32_mbconv
