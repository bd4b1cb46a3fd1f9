// x-cast, AVX2 variant: 8 floats / int32s per step with vcvttps2dq / vcvtdq2ps (NaN and
// out-of-range lanes blended to the plain loop's saturating results), int32 <-> int64 by sign
// extension and a lane permute, bool by compares, saturating packs and zero-extension. AVX2 has no
// float <-> int64 conversion: those pairs run the plain loop. Tails run the plain loop.
#include <immintrin.h>

#include "kernels/x-cast/cast_loops.h"

namespace kiln {
namespace {

inline __m256i load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
inline void store(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

void f32_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<float, int32_t, 8>(s, d, n, [](const float* x, int32_t* y) {
    const __m256 v = _mm256_loadu_ps(x);
    __m256i i = _mm256_cvttps_epi32(v);
    const __m256 big = _mm256_cmp_ps(v, _mm256_set1_ps(2147483648.0f), _CMP_GE_OQ);
    i = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(i),
                                             _mm256_castsi256_ps(_mm256_set1_epi32(std::numeric_limits<int32_t>::max())), big));
    store(y, _mm256_and_si256(i, _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_ORD_Q))));
  });
}

void i32_to_f32(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, float, 8>(s, d, n, [](const int32_t* x, float* y) { _mm256_storeu_ps(y, _mm256_cvtepi32_ps(load(x))); });
}

void i32_to_i64(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, int64_t, 8>(s, d, n, [](const int32_t* x, int64_t* y) {
    const __m256i v = load(x);
    store(y, _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
    store(y + 4, _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
  });
}

void i64_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<int64_t, int32_t, 8>(s, d, n, [](const int64_t* x, int32_t* y) {
    const __m256i low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);  // the low halves, in the low 128 bits
    const __m256i a = _mm256_permutevar8x32_epi32(load(x), low), b = _mm256_permutevar8x32_epi32(load(x + 4), low);
    store(y, _mm256_permute2x128_si256(a, b, 0x20));
  });
}

// 8 lanes of 0 / -1 (nonzero) as 8 bytes of 0 / 1.
inline void store_bools(uint8_t* y, __m256i nonzero) {
  const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(nonzero), _mm256_extracti128_si256(nonzero, 1));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(y), _mm_and_si128(_mm_packs_epi16(words, words), _mm_set1_epi8(1)));
}

void f32_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<float, uint8_t, 8>(s, d, n, [](const float* x, uint8_t* y) {
    store_bools(y, _mm256_castps_si256(_mm256_cmp_ps(_mm256_loadu_ps(x), _mm256_setzero_ps(), _CMP_NEQ_UQ)));
  });
}

void i32_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, uint8_t, 8>(s, d, n, [](const int32_t* x, uint8_t* y) {
    store_bools(y, _mm256_xor_si256(_mm256_cmpeq_epi32(load(x), _mm256_setzero_si256()), _mm256_set1_epi32(-1)));
  });
}

void i64_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<int64_t, uint8_t, 8>(s, d, n, [](const int64_t* x, uint8_t* y) {
    const __m256i zero = _mm256_setzero_si256(), low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m256i a = _mm256_permutevar8x32_epi32(_mm256_cmpeq_epi64(load(x), zero), low);
    const __m256i b = _mm256_permutevar8x32_epi32(_mm256_cmpeq_epi64(load(x + 4), zero), low);
    store_bools(y, _mm256_xor_si256(_mm256_permute2x128_si256(a, b, 0x20), _mm256_set1_epi32(-1)));
  });
}

void bool_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, uint8_t, 32>(s, d, n, [](const uint8_t* x, uint8_t* y) {
    const __m256i zero = _mm256_cmpeq_epi8(load(x), _mm256_setzero_si256());
    store(y, _mm256_andnot_si256(zero, _mm256_set1_epi8(1)));
  });
}

inline __m256i widen_bytes(const uint8_t* x) { return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x))); }

void bool_to_f32(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, float, 8>(s, d, n, [](const uint8_t* x, float* y) { _mm256_storeu_ps(y, _mm256_cvtepi32_ps(widen_bytes(x))); });
}

void bool_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, int32_t, 8>(s, d, n, [](const uint8_t* x, int32_t* y) { store(y, widen_bytes(x)); });
}

void bool_to_i64(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, int64_t, 8>(s, d, n, [](const uint8_t* x, int64_t* y) {
    const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x));
    store(y, _mm256_cvtepu8_epi64(bytes));
    store(y + 4, _mm256_cvtepu8_epi64(_mm_srli_si128(bytes, 4)));
  });
}

void copy4(const void* s, void* d, int64_t n) { std::memcpy(d, s, static_cast<size_t>(n * 4)); }
void copy8(const void* s, void* d, int64_t n) { std::memcpy(d, s, static_cast<size_t>(n * 8)); }

}  // namespace

CastFn x_cast_pick__avx2(DType from, DType to) {
  using D = DType;
  if (from == to) return to == D::kBool ? bool_to_bool : to == D::kInt64 ? copy8 : copy4;
  if (from == D::kFloat32) return to == D::kInt32 ? f32_to_i32 : to == D::kBool ? f32_to_bool : plain_cast(from, to);
  if (from == D::kInt32) return to == D::kFloat32 ? i32_to_f32 : to == D::kInt64 ? i32_to_i64 : i32_to_bool;
  if (from == D::kInt64) return to == D::kInt32 ? i64_to_i32 : to == D::kBool ? i64_to_bool : plain_cast(from, to);
  return to == D::kFloat32 ? bool_to_f32 : to == D::kInt32 ? bool_to_i32 : bool_to_i64;
}

}  // namespace kiln
