#include "variants.h"

#include <cassert>
#include <cstring>

#include "conv-gemm.h"
#include "dwconv.h"
#include "winograd.h"
#include "kernels/f32-gemm/variants.h"

namespace kiln::f32_conv {
namespace {

using f32_gemm::GemmVariant;

constexpr char kGemm14x32[] = "f32_gemm_14x32__avx512";
constexpr char kGemm8x48[] = "f32_gemm_8x48__avx512";
constexpr char kGemm28x16[] = "f32_gemm_28x16__avx512";
constexpr char kGemm12x32[] = "f32_gemm_12x32__avx512";
constexpr char kGemm6x32[] = "f32_gemm_6x32__avx512";
constexpr char kGemm6x16[] = "f32_gemm_6x16__avx2";
constexpr char kGemm4x24[] = "f32_gemm_4x24__avx2";
constexpr char kGemm4x4[] = "f32_gemm_4x4__scalar";

template <const char* kName>
const GemmVariant& gemm() {
  static const GemmVariant* const variant = f32_gemm::find_variant(kName);
  assert(variant != nullptr);
  return *variant;
}

template <const char* kName>
size_t conv_gemm_size(const ConvShape& s) { return conv_gemm_packed_size(gemm<kName>(), s); }
template <const char* kName>
void conv_gemm_pack_with(const ConvShape& s, const float* w, float* packed) {
  conv_gemm_pack(gemm<kName>(), s, w, packed);
}
template <const char* kName>
void conv_gemm_run_with(const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  conv_gemm_run(gemm<kName>(), s, p, pool);
}
template <const char* kName>
size_t deconv_gemm_size(const DeconvShape& s) { return deconv_gemm_packed_size(gemm<kName>(), s); }
template <const char* kName>
void deconv_gemm_pack_with(const DeconvShape& s, const float* w, float* packed) {
  deconv_gemm_pack(gemm<kName>(), s, w, packed);
}
template <const char* kName>
void deconv_gemm_run_with(const DeconvShape& s, const ConvParams& p, ThreadPool* pool) {
  deconv_gemm_run(gemm<kName>(), s, p, pool);
}

template <DwRowFn kRow>
void dwconv_run_with(const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  dwconv_run(kRow, s, p, pool);
}

// Winograd transform sets, one per ISA and tile size.
constexpr WinogradTransforms kWinograd4x4Avx512{4, f32_winograd_4x4_input__avx512, f32_winograd_4x4_output__avx512};
constexpr WinogradTransforms kWinograd2x2Avx512{2, f32_winograd_2x2_input__avx512, f32_winograd_2x2_output__avx512};
constexpr WinogradTransforms kWinograd4x4Avx2{4, f32_winograd_4x4_input__avx2, f32_winograd_4x4_output__avx2};
constexpr WinogradTransforms kWinograd2x2Avx2{2, f32_winograd_2x2_input__avx2, f32_winograd_2x2_output__avx2};
constexpr WinogradTransforms kWinograd4x4Scalar{4, f32_winograd_4x4_input__scalar, f32_winograd_4x4_output__scalar};

template <const char* kName, const WinogradTransforms& kTransforms>
size_t winograd_size(const ConvShape& s) { return winograd_packed_size(gemm<kName>(), kTransforms.tile, s); }
template <const char* kName, const WinogradTransforms& kTransforms>
void winograd_pack_with(const ConvShape& s, const float* w, float* packed) {
  winograd_pack(gemm<kName>(), kTransforms.tile, s, w, packed);
}
template <const char* kName, const WinogradTransforms& kTransforms>
void winograd_run_with(const ConvShape& s, const ConvParams& p, ThreadPool* pool) {
  winograd_run(gemm<kName>(), kTransforms, s, p, pool);
}

bool conv_1x1_applies(const ConvShape& s) {
  return s.valid() && s.kernel_h == 1 && s.kernel_w == 1 && s.pad_top == 0 && s.pad_left == 0 &&
         s.pad_bottom == 0 && s.pad_right == 0;
}
bool conv_any_applies(const ConvShape& s) { return s.valid(); }
bool deconv_any_applies(const DeconvShape& s) { return s.valid(); }

size_t reference_size(const ConvShape& s) {
  return static_cast<size_t>(s.out_c * (s.in_c / s.groups) * s.kernel_h * s.kernel_w);
}
void reference_pack(const ConvShape& s, const float* w, float* packed) {
  std::memcpy(packed, w, sizeof(float) * reference_size(s));
}
size_t deconv_reference_size(const DeconvShape& s) {
  return static_cast<size_t>(s.in_c * (s.out_c / s.groups) * s.kernel_h * s.kernel_w);
}
void deconv_reference_pack(const DeconvShape& s, const float* w, float* packed) {
  std::memcpy(packed, w, sizeof(float) * deconv_reference_size(s));
}

#define KILN_CONV_GEMM(name, isa, applies_fn, gemm_name)                                   \
  {name, isa, applies_fn, conv_gemm_size<gemm_name>, conv_gemm_pack_with<gemm_name>,      \
   conv_gemm_run_with<gemm_name>}
#define KILN_CONV_WINOGRAD(name, isa, gemm_name, transforms)                                \
  {name, isa, winograd_applies, winograd_size<gemm_name, transforms>,                        \
   winograd_pack_with<gemm_name, transforms>, winograd_run_with<gemm_name, transforms>}
#define KILN_DWCONV(name, isa, applies_fn, row)                                            \
  {name, isa, applies_fn, dwconv_packed_size, dwconv_pack, dwconv_run_with<row>}

const ConvVariant kConvVariants[] = {
    KILN_DWCONV("f32_dwconv_3x3__avx512", Isa::kAvx512, dwconv_3x3_applies, f32_dwconv_3x3__avx512),
    KILN_DWCONV("f32_dwconv__avx512", Isa::kAvx512, dwconv_applies, f32_dwconv__avx512),
    KILN_CONV_GEMM("f32_conv_1x1_14x32__avx512", Isa::kAvx512, conv_1x1_applies, kGemm14x32),
    KILN_CONV_WINOGRAD("f32_conv_winograd_4x4_14x32__avx512", Isa::kAvx512, kGemm14x32, kWinograd4x4Avx512),
    KILN_CONV_WINOGRAD("f32_conv_winograd_2x2_14x32__avx512", Isa::kAvx512, kGemm14x32, kWinograd2x2Avx512),
    KILN_CONV_GEMM("f32_conv_im2col_14x32__avx512", Isa::kAvx512, conv_any_applies, kGemm14x32),
    KILN_CONV_GEMM("f32_conv_1x1_28x16__avx512", Isa::kAvx512, conv_1x1_applies, kGemm28x16),
    KILN_CONV_GEMM("f32_conv_im2col_28x16__avx512", Isa::kAvx512, conv_any_applies, kGemm28x16),
    KILN_CONV_GEMM("f32_conv_1x1_8x48__avx512", Isa::kAvx512, conv_1x1_applies, kGemm8x48),
    KILN_CONV_GEMM("f32_conv_im2col_8x48__avx512", Isa::kAvx512, conv_any_applies, kGemm8x48),
    // Few rows (7x7 and 14x14 maps: ResNet's last stages) split into 12- or 6-row tiles with
    // less waste, and over two threads more evenly, than into 14-row ones.
    KILN_CONV_GEMM("f32_conv_1x1_12x32__avx512", Isa::kAvx512, conv_1x1_applies, kGemm12x32),
    KILN_CONV_GEMM("f32_conv_1x1_6x32__avx512", Isa::kAvx512, conv_1x1_applies, kGemm6x32),
    KILN_DWCONV("f32_dwconv_3x3__avx2", Isa::kAvx2, dwconv_3x3_applies, f32_dwconv_3x3__avx2),
    KILN_DWCONV("f32_dwconv__avx2", Isa::kAvx2, dwconv_applies, f32_dwconv__avx2),
    KILN_CONV_GEMM("f32_conv_1x1_6x16__avx2", Isa::kAvx2, conv_1x1_applies, kGemm6x16),
    // 24, 72, 120, ... output channels: every lane of every panel filled.
    KILN_CONV_GEMM("f32_conv_1x1_4x24__avx2", Isa::kAvx2, conv_1x1_applies, kGemm4x24),
    KILN_CONV_WINOGRAD("f32_conv_winograd_4x4_6x16__avx2", Isa::kAvx2, kGemm6x16, kWinograd4x4Avx2),
    KILN_CONV_WINOGRAD("f32_conv_winograd_2x2_6x16__avx2", Isa::kAvx2, kGemm6x16, kWinograd2x2Avx2),
    KILN_CONV_GEMM("f32_conv_im2col_6x16__avx2", Isa::kAvx2, conv_any_applies, kGemm6x16),
    KILN_DWCONV("f32_dwconv__scalar", Isa::kScalar, dwconv_applies, f32_dwconv__scalar),
    KILN_CONV_WINOGRAD("f32_conv_winograd_4x4_4x4__scalar", Isa::kScalar, kGemm4x4, kWinograd4x4Scalar),
    KILN_CONV_GEMM("f32_conv_im2col_4x4__scalar", Isa::kScalar, conv_any_applies, kGemm4x4),
    {"f32_conv_direct__scalar", Isa::kScalar, conv_any_applies, reference_size, reference_pack,
     conv_reference_run},
};

const DeconvVariant kDeconvVariants[] = {
    {"f32_deconv_gemm_14x32__avx512", Isa::kAvx512, deconv_any_applies,
     deconv_gemm_size<kGemm14x32>, deconv_gemm_pack_with<kGemm14x32>,
     deconv_gemm_run_with<kGemm14x32>},
    {"f32_deconv_gemm_6x16__avx2", Isa::kAvx2, deconv_any_applies, deconv_gemm_size<kGemm6x16>,
     deconv_gemm_pack_with<kGemm6x16>, deconv_gemm_run_with<kGemm6x16>},
    {"f32_deconv_gemm_4x4__scalar", Isa::kScalar, deconv_any_applies, deconv_gemm_size<kGemm4x4>,
     deconv_gemm_pack_with<kGemm4x4>, deconv_gemm_run_with<kGemm4x4>},
    {"f32_deconv_direct__scalar", Isa::kScalar, deconv_any_applies, deconv_reference_size,
     deconv_reference_pack, deconv_reference_run},
};

}  // namespace

const ConvVariant* conv_variants() { return kConvVariants; }
size_t conv_variant_count() { return sizeof(kConvVariants) / sizeof(kConvVariants[0]); }
const DeconvVariant* deconv_variants() { return kDeconvVariants; }
size_t deconv_variant_count() { return sizeof(kDeconvVariants) / sizeof(kDeconvVariants[0]); }

const ConvVariant* find_conv_variant(const char* name) {
  for (const ConvVariant& v : kConvVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

const DeconvVariant* find_deconv_variant(const char* name) {
  for (const DeconvVariant& v : kDeconvVariants) {
    if (std::strcmp(v.name, name) == 0) return &v;
  }
  return nullptr;
}

bool applies(const ConvVariant& v, Isa host, const ConvShape& s) {
  return static_cast<int>(v.isa) <= static_cast<int>(host) && v.applies(s);
}
bool applies(const DeconvVariant& v, Isa host, const DeconvShape& s) {
  return static_cast<int>(v.isa) <= static_cast<int>(host) && v.applies(s);
}

}  // namespace kiln::f32_conv
