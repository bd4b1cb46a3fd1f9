// AVX-512 bf16 <-> fp32 rows, bit-identical to the scalar conversions (bf16_avx512.h).
#include "bf16_avx512.h"
#include "bf16_io.h"

namespace kiln::lowp_gemm {

void widen_bf16_row__avx512(const uint16_t* x, int64_t n, float* y) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = lanes_16(n - i);
    _mm512_mask_storeu_ps(y + i, m, bf16_load_16(m, x + i));
  }
}

void narrow_bf16_row__avx512(const float* x, int64_t n, uint16_t* y) {
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = lanes_16(n - i);
    bf16_store_16(m, y + i, _mm512_maskz_loadu_ps(m, x + i));
  }
}

}  // namespace kiln::lowp_gemm
