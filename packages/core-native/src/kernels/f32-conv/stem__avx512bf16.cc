// AVX-512 NCHW-input convolution rows with bf16 stores through AVX512-BF16 (the tiles of
// stem-avx512.h): vcvtne2ps2bf16 rounds two vectors (32 channels) to nearest even in one
// instruction, as float_to_bf16 does except that it flushes subnormal inputs to zero, so a pair of
// vectors holding a subnormal (fpclass, almost never in a stem) takes the integer rounding of
// lowp-gemm/bf16_avx512.h instead (bf16_store_32_cvt). The bytes are those of the __avx512 variants.
#include <immintrin.h>

#include <cstdint>

#include "kernels/lowp-gemm/bf16_avx512.h"
#include "stem-avx512.h"

namespace kiln::f32_conv {
namespace {

struct StoreBf16Convert {
  using Out = uint16_t;
  template <int NV>
  static void pixel(uint16_t* out, const __m512* y, __mmask16 last) {
#pragma GCC unroll 2
    for (int v = 0; v + 1 < NV; v += 2) {
      lowp_gemm::bf16_store_32_cvt(__mmask16(0xFFFF), v + 1 == NV - 1 ? last : __mmask16(0xFFFF), out + 16 * v, y[v], y[v + 1]);
    }
    if constexpr (NV % 2 == 1) lowp_gemm::bf16_store_16_cvt(last, out + 16 * (NV - 1), y[NV - 1]);
  }
};

}  // namespace

void bf16_conv_nchw_6x64__avx512bf16(const NchwRowArgs& args) { row<6, 64, StoreBf16Convert>(args); }
void bf16_conv_nchw_14x32__avx512bf16(const NchwRowArgs& args) { row<14, 32, StoreBf16Convert>(args); }

}  // namespace kiln::f32_conv
