// AVX-512 bf16_dwconv rows (row-avx512.h) storing bf16 through vcvtneps2bf16 (AVX512-BF16): one
// instruction rounds 16 values to nearest even as float_to_bf16 does (NaN kept quiet), except that
// it flushes subnormal inputs to zero, so a vector holding a subnormal (fpclass; almost never after
// a conv) takes the integer rounding instead. Same bits as bf16_dwconv__avx512, fewer instructions
// per store (the rounding was about a third of the 3x3 row's instructions).
#include "row-avx512.h"

namespace kiln::bf16_dwconv {
namespace {

struct ConvertRound {
  static void store(__mmask16 m, uint16_t* p, __m512 v) { lowp_gemm::bf16_store_16_cvt(m, p, v); }
};

}  // namespace

void bf16_dwconv_3x3__avx512bf16(const RowArgs& args) { dispatch<ConvertRound, 3, 3>(args); }
void bf16_dwconv__avx512bf16(const RowArgs& args) { dispatch<ConvertRound, 0, 0>(args); }

}  // namespace kiln::bf16_dwconv
