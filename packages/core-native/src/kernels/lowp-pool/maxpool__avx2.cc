// AVX2 rows of qu8_maxpool2d_nhwc: 32 channels per vpmaxub, register-blocked windows
// (maxpool_rows.h). AVX2 has no byte-masked loads: the last c % 32 channels go through a
// 32-byte stack buffer, so no byte past the tensor's last channel is read or written.
#include <immintrin.h>

#include <cstring>

#include "kernels/lowp-pool/maxpool.h"
#include "kernels/lowp-pool/maxpool_rows.h"

namespace kiln::lowp_pool {
namespace {

struct U8Ops {
  using T = uint8_t;
  using Acc = __m256i;
  static constexpr int64_t kLanes = 32;
  static constexpr T kEmpty = 0;
  struct Full {};
  struct Part {
    int64_t left;  // 1..31 channels
  };
  static Part part(int64_t left) { return {left}; }
  static Acc load(const T* p, Full) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static Acc load(const T* p, Part l) {
    alignas(32) uint8_t buffer[32] = {};
    std::memcpy(buffer, p, static_cast<size_t>(l.left));
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(buffer));
  }
  static Acc max(Acc acc, Acc tap) { return _mm256_max_epu8(acc, tap); }
  static void store(T* p, Acc a, Full) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), a); }
  static void store(T* p, Acc a, Part l) {
    alignas(32) uint8_t buffer[32];
    _mm256_store_si256(reinterpret_cast<__m256i*>(buffer), a);
    std::memcpy(p, buffer, static_cast<size_t>(l.left));
  }
};

}  // namespace

void max_rows__avx2(const PoolShape& s, const uint8_t* x, uint8_t* y, int64_t begin, int64_t end) {
  maxpool_rows<U8Ops>(s, x, y, begin, end);
}

}  // namespace kiln::lowp_pool
