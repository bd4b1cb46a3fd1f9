// AVX-512 bf16_dwconv rows (row-avx512.h) storing bf16 with the integer rounding of
// lowp-gemm/bf16_avx512.h (AVX-512F/BW only).
#include "row-avx512.h"

namespace kiln::bf16_dwconv {
namespace {

struct IntegerRound {
  static void store(__mmask16 m, uint16_t* p, __m512 v) { lowp_gemm::bf16_store_16(m, p, v); }
};

}  // namespace

void bf16_dwconv_3x3__avx512(const RowArgs& args) { dispatch<IntegerRound, 3, 3>(args); }
void bf16_dwconv__avx512(const RowArgs& args) { dispatch<IntegerRound, 0, 0>(args); }

}  // namespace kiln::bf16_dwconv
