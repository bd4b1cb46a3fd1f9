// AVX-512 NCHW-input convolution rows with bf16 stores through AVX512-BF16 (the tiles of
// stem-avx512.h): vcvtne2ps2bf16 rounds two vectors (32 channels) to nearest even in one
// instruction, as float_to_bf16 does except that it flushes subnormal inputs to zero, so a pixel
// whose values include a subnormal (fpclass, almost never in a stem) takes the integer rounding of
// lowp-gemm/bf16_avx512.h instead. The bytes are those of the __avx512 variants.
#include <immintrin.h>

#include <cstdint>

#include "kernels/lowp-gemm/bf16_avx512.h"
#include "stem-avx512.h"

namespace kiln::f32_conv {
namespace {

constexpr int kDenormal = 0x20;  // fpclass category

struct StoreBf16Convert {
  using Out = uint16_t;
  template <int NV>
  static void pixel(uint16_t* out, const __m512* y, __mmask16 last) {
    __mmask16 subnormal = 0;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) subnormal |= _mm512_fpclass_ps_mask(y[v], kDenormal);
    if (__builtin_expect(subnormal != 0, 0)) {
      for (int v = 0; v < NV; ++v) lowp_gemm::bf16_store_16(v == NV - 1 ? last : __mmask16(0xFFFF), out + 16 * v, y[v]);
      return;
    }
#pragma GCC unroll 2
    for (int v = 0; v + 1 < NV; v += 2) {
      const __mmask32 m = v + 1 == NV - 1 ? (__mmask32(last) << 16) | 0xFFFFu : ~__mmask32(0);
      _mm512_mask_storeu_epi16(out + 16 * v, m, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(y[v + 1], y[v])));
    }
    if constexpr (NV % 2 == 1) {
      _mm256_mask_storeu_epi16(out + 16 * (NV - 1), last, reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(y[NV - 1])));
    }
  }
};

}  // namespace

void bf16_conv_nchw_6x64__avx512vnni(const NchwRowArgs& args) { row<6, 64, StoreBf16Convert>(args); }
void bf16_conv_nchw_14x32__avx512vnni(const NchwRowArgs& args) { row<14, 32, StoreBf16Convert>(args); }

}  // namespace kiln::f32_conv
