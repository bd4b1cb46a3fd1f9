// AVX-512BW rows of qu8_maxpool2d_nhwc: 64 channels per vpmaxub, masked tail, register-blocked
// windows (maxpool_rows.h).
#include <immintrin.h>

#include "kernels/lowp-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_rows.h"

namespace kiln::lowp_pool {
namespace {

struct U8Ops {
  using T = uint8_t;
  using Acc = __m512i;
  static constexpr int64_t kLanes = 64;
  static constexpr T kEmpty = 0;
  struct Full {};
  struct Part {
    __mmask64 m;
  };
  static Part part(int64_t left) { return {left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1}; }
  static Acc load(const T* p, Full) { return _mm512_loadu_si512(p); }
  static Acc load(const T* p, Part l) { return _mm512_maskz_loadu_epi8(l.m, p); }
  static Acc max(Acc acc, Acc tap) { return _mm512_max_epu8(acc, tap); }
  static void store(T* p, Acc a, Full) { _mm512_storeu_si512(p, a); }
  static void store(T* p, Acc a, Part l) { _mm512_mask_storeu_epi8(p, l.m, a); }
};

}  // namespace

void max_rows__avx512(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end) {
  maxpool_rows<U8Ops>(s, x, y, begin, end);
}

}  // namespace kiln::lowp_pool
