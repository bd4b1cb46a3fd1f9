// AVX-512 rows of bf16_maxpool2d_nhwc, register-blocked windows (maxpool_rows.h): 32 channels per
// load, widened without a shuffle (even lanes shifted up 16 bits, odd lanes masked in place) into
// two vmaxps, each folding taps as acc = max(acc, tap) in tap order. The max is always one of the
// widened inputs, so narrowing back (even >> 16 | odd) is exact: the output is bit for bit what
// 16-lane widening (vpmovzxwd + shift) and the same vmaxps folds give, NaN and -0 included.
#include <immintrin.h>

#include "kernels/bf16-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_rows.h"

namespace kiln::bf16_pool {
namespace {

struct Bf16Ops {
  using T = uint16_t;
  struct Acc {
    __m512 even, odd;
  };
  static constexpr int64_t kLanes = 32;
  static constexpr T kEmpty = kNegativeInfinity;
  struct Full {};
  struct Part {
    __mmask32 m;
  };
  static Part part(int64_t left) { return {left >= 32 ? ~__mmask32(0) : (__mmask32(1) << left) - 1}; }
  static Acc widen(__m512i bits) {
    return {_mm512_castsi512_ps(_mm512_slli_epi32(bits, 16)),
            _mm512_castsi512_ps(_mm512_and_si512(bits, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u))))};
  }
  static Acc load(const T* p, Full) { return widen(_mm512_loadu_si512(p)); }
  static Acc load(const T* p, Part l) { return widen(_mm512_maskz_loadu_epi16(l.m, p)); }
  static Acc max(Acc acc, Acc tap) { return {_mm512_max_ps(acc.even, tap.even), _mm512_max_ps(acc.odd, tap.odd)}; }
  static __m512i narrow(Acc a) {
    return _mm512_or_si512(_mm512_srli_epi32(_mm512_castps_si512(a.even), 16), _mm512_castps_si512(a.odd));
  }
  static void store(T* p, Acc a, Full) { _mm512_storeu_si512(p, narrow(a)); }
  static void store(T* p, Acc a, Part l) { _mm512_mask_storeu_epi16(p, l.m, narrow(a)); }
};

}  // namespace

void max_rows__avx512(const PoolShape& s, const uint16_t* x, uint16_t* y, int64_t begin, int64_t end) {
  lowp_pool::maxpool_rows<Bf16Ops>(s, x, y, begin, end);
}

}  // namespace kiln::bf16_pool
