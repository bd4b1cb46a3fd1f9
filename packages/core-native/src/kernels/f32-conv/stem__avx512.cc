// AVX-512 NCHW-input convolution rows (the tiles of stem-avx512.h): fp32 stores, and bf16 stores
// rounded to nearest even exactly as float_to_bf16 does (integer rounding, AVX-512F/BW only: the
// bf16_conv_nchw variants for CPUs without AVX512-BF16).
#include <immintrin.h>

#include <cstdint>

#include "kernels/lowp-gemm/bf16_avx512.h"
#include "stem-avx512.h"

namespace kiln::f32_conv {
namespace {

struct StoreF32 {
  using Out = float;
  template <int NV>
  static void pixel(float* out, const __m512* y, __mmask16 last) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm512_mask_storeu_ps(out + 16 * v, v == NV - 1 ? last : __mmask16(0xFFFF), y[v]);
  }
};

struct StoreBf16 {
  using Out = uint16_t;
  template <int NV>
  static void pixel(uint16_t* out, const __m512* y, __mmask16 last) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) lowp_gemm::bf16_store_16(v == NV - 1 ? last : __mmask16(0xFFFF), out + 16 * v, y[v]);
  }
};

}  // namespace

void f32_conv_nchw_6x64__avx512(const NchwRowArgs& args) { row<6, 64, StoreF32>(args); }
void f32_conv_nchw_14x32__avx512(const NchwRowArgs& args) { row<14, 32, StoreF32>(args); }
void bf16_conv_nchw_6x64__avx512(const NchwRowArgs& args) { row<6, 64, StoreBf16>(args); }
void bf16_conv_nchw_14x32__avx512(const NchwRowArgs& args) { row<14, 32, StoreBf16>(args); }

}  // namespace kiln::f32_conv
