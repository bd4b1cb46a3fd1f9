// The reduced-precision GEMM variant list (the builder's tactics), fastest first per format with
// each format's scalar reference last among its own.
#include <cstring>

#include "bf16_io.h"
#include "lowp.h"
#include "pack.h"
#include "kernels/f32-gemm/ukernels.h"
#include "ukernels.h"

namespace kiln::lowp_gemm {
namespace {

using f32_gemm::f32_epilogue_row__avx2;
using f32_gemm::f32_epilogue_row__avx512;
using f32_gemm::f32_epilogue_row__scalar;

// name, isa, format, mr, nr, kc, mc, k_align, amx, pack_a, ukernel, epilogue_row, dequant_row[, fused[, io]]
const LowpVariant kVariants[] = {
    {"bf16_gemm_32x32__amx", Isa::kAmx, Format::kBf16, 32, 32, 512, 256, 32, true,
     pack_a_bf16_rows__amx, bf16_gemm_32x32__amx, f32_epilogue_row__avx512, nullptr, nullptr, bf16_gemm_io__amx},
    {"bf16_gemm_14x32c2__avx512bf16", Isa::kAvx512Bf16, Format::kBf16, 14, 32, 256, 700, 2, false,
     pack_a_bf16_pairs__avx512bf16, bf16_gemm_14x32c2__avx512bf16, f32_epilogue_row__avx512, nullptr, nullptr,
     bf16_gemm_io__avx512bf16},
    {"bf16_gemm_4x4c2__scalar", Isa::kScalar, Format::kBf16, 4, 4, 256, 256, 2, false,
     pack_a_bf16_pairs, bf16_gemm_4x4c2__scalar, f32_epilogue_row__scalar, nullptr},
    {"f16_gemm_8x32__avx512fp16", Isa::kAvx512Fp16, Format::kF16, 8, 32, 256, 512, 1, false,
     pack_a_f16__avx512fp16, f16_gemm_8x32__avx512fp16, f32_epilogue_row__avx512, nullptr},
    {"f16_gemm_4x4__scalar", Isa::kScalar, Format::kF16, 4, 4, 256, 256, 1, false,
     pack_a_f16, f16_gemm_4x4__scalar, f32_epilogue_row__scalar, nullptr},
    {"qu8_gemm_32x32__amx", Isa::kAmx, Format::kQu8, 32, 32, 0, 256, 64, true,
     pack_a_u8_rows__amx, qu8_gemm_32x32__amx, f32_epilogue_row__avx512, dequant_row__avx512vnni,
     qu8_gemm_32x32_fused__amx},
    {"qu8_gemm_14x32c4__avx512vnni", Isa::kAvx512Vnni, Format::kQu8, 14, 32, 0, 350, 4, false,
     pack_a_u8_quads__avx512vnni, qu8_gemm_14x32c4__avx512vnni, f32_epilogue_row__avx512,
     dequant_row__avx512vnni, qu8_gemm_14x32c4_fused__avx512vnni},
    {"qu8_gemm_6x8c4__avx2", Isa::kAvx2, Format::kQu8, 6, 8, 0, 300, 4, false, pack_a_u8_quads,
     qu8_gemm_6x8c4__avx2, f32_epilogue_row__avx2, dequant_row__avx2},
    {"qu8_gemm_4x4c4__scalar", Isa::kScalar, Format::kQu8, 4, 4, 0, 256, 4, false, pack_a_u8_quads,
     qu8_gemm_4x4c4__scalar, f32_epilogue_row__scalar, dequant_row__scalar},
};

}  // namespace

const LowpVariant* variants() { return kVariants; }
size_t variant_count() { return sizeof(kVariants) / sizeof(kVariants[0]); }

const LowpVariant* find_variant(const char* name) {
  for (const LowpVariant& variant : kVariants) {
    if (std::strcmp(variant.name, name) == 0) return &variant;
  }
  return nullptr;
}

VariantRange format_range(Format format) {
  VariantRange range{variant_count(), 0};
  for (size_t i = 0; i < variant_count(); ++i) {
    if (kVariants[i].format != format) continue;
    if (range.count == 0) range.first = i;
    ++range.count;
  }
  return range;
}

const char* gemm_family(Format format) {
  return format == Format::kBf16 ? "bf16_gemm" : format == Format::kF16 ? "f16_gemm" : "qu8_gemm";
}

const char* conv_family(Format format) {
  return format == Format::kBf16 ? "bf16_conv" : format == Format::kF16 ? "f16_conv" : "qu8_conv";
}

bool applies(const LowpVariant& variant, Isa host) {
  return static_cast<int>(variant.isa) <= static_cast<int>(host);
}

}  // namespace kiln::lowp_gemm
