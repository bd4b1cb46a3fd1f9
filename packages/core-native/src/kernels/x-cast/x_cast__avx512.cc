// x-cast, AVX-512 variant (F, BW, VL, DQ): 16 floats / int32s or 8 int64s per step with the
// conversion instructions, NaN and out-of-range lanes fixed up by mask to the plain loop's
// saturating results; bool through byte compares and zero-extension. Tails run the plain loop.
#include <immintrin.h>

#include "kernels/x-cast/cast_loops.h"

namespace kiln {
namespace {

// cvtt* yields the "integer indefinite" (the minimum) for NaN and out-of-range lanes: NaN -> 0,
// too large -> the maximum (too small already is the minimum).
void f32_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<float, int32_t, 16>(s, d, n, [](const float* x, int32_t* y) {
    const __m512 v = _mm512_loadu_ps(x);
    __m512i i = _mm512_cvttps_epi32(v);
    i = _mm512_mask_mov_epi32(i, _mm512_cmp_ps_mask(v, _mm512_set1_ps(2147483648.0f), _CMP_GE_OQ),
                              _mm512_set1_epi32(std::numeric_limits<int32_t>::max()));
    _mm512_storeu_si512(y, _mm512_maskz_mov_epi32(_mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), i));
  });
}

void f32_to_i64(const void* s, void* d, int64_t n) {
  vector_loop<float, int64_t, 8>(s, d, n, [](const float* x, int64_t* y) {
    const __m256 v = _mm256_loadu_ps(x);
    __m512i i = _mm512_cvttps_epi64(v);
    i = _mm512_mask_mov_epi64(i, _mm256_cmp_ps_mask(v, _mm256_set1_ps(9223372036854775808.0f), _CMP_GE_OQ),
                              _mm512_set1_epi64(std::numeric_limits<int64_t>::max()));
    _mm512_storeu_si512(y, _mm512_maskz_mov_epi64(_mm256_cmp_ps_mask(v, v, _CMP_ORD_Q), i));
  });
}

void i32_to_f32(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, float, 16>(s, d, n, [](const int32_t* x, float* y) {
    _mm512_storeu_ps(y, _mm512_cvtepi32_ps(_mm512_loadu_si512(x)));
  });
}

void i64_to_f32(const void* s, void* d, int64_t n) {
  vector_loop<int64_t, float, 8>(s, d, n, [](const int64_t* x, float* y) {
    _mm256_storeu_ps(y, _mm512_cvtepi64_ps(_mm512_loadu_si512(x)));
  });
}

void i32_to_i64(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, int64_t, 8>(s, d, n, [](const int32_t* x, int64_t* y) {
    _mm512_storeu_si512(y, _mm512_cvtepi32_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(x))));
  });
}

void i64_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<int64_t, int32_t, 8>(s, d, n, [](const int64_t* x, int32_t* y) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y), _mm512_cvtepi64_epi32(_mm512_loadu_si512(x)));
  });
}

inline void store_bools(uint8_t* y, __mmask16 nonzero) {
  _mm_storeu_si128(reinterpret_cast<__m128i*>(y), _mm_maskz_mov_epi8(nonzero, _mm_set1_epi8(1)));
}

void f32_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<float, uint8_t, 16>(s, d, n, [](const float* x, uint8_t* y) {
    store_bools(y, _mm512_cmp_ps_mask(_mm512_loadu_ps(x), _mm512_setzero_ps(), _CMP_NEQ_UQ));
  });
}

void i32_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<int32_t, uint8_t, 16>(s, d, n, [](const int32_t* x, uint8_t* y) {
    store_bools(y, _mm512_test_epi32_mask(_mm512_loadu_si512(x), _mm512_loadu_si512(x)));
  });
}

void i64_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<int64_t, uint8_t, 16>(s, d, n, [](const int64_t* x, uint8_t* y) {
    const __m512i a = _mm512_loadu_si512(x), b = _mm512_loadu_si512(x + 8);
    const __mmask16 m = static_cast<__mmask16>(_mm512_test_epi64_mask(a, a) | (_mm512_test_epi64_mask(b, b) << 8));
    store_bools(y, m);
  });
}

void bool_to_bool(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, uint8_t, 64>(s, d, n, [](const uint8_t* x, uint8_t* y) {
    const __m512i v = _mm512_loadu_si512(x);
    _mm512_storeu_si512(y, _mm512_maskz_mov_epi8(_mm512_test_epi8_mask(v, v), _mm512_set1_epi8(1)));
  });
}

inline __m512i widen_bytes(const uint8_t* x) {
  return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x)));
}

void bool_to_f32(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, float, 16>(s, d, n, [](const uint8_t* x, float* y) {
    _mm512_storeu_ps(y, _mm512_cvtepi32_ps(widen_bytes(x)));
  });
}

void bool_to_i32(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, int32_t, 16>(s, d, n, [](const uint8_t* x, int32_t* y) { _mm512_storeu_si512(y, widen_bytes(x)); });
}

void bool_to_i64(const void* s, void* d, int64_t n) {
  vector_loop<uint8_t, int64_t, 8>(s, d, n, [](const uint8_t* x, int64_t* y) {
    _mm512_storeu_si512(y, _mm512_cvtepu8_epi64(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x))));
  });
}

// Same dtype on both sides (other than bool, which normalizes): a copy.
void copy_words(const void* s, void* d, int64_t n, int64_t word) {
  std::memcpy(d, s, static_cast<size_t>(n * word));
}
void copy4(const void* s, void* d, int64_t n) { copy_words(s, d, n, 4); }
void copy8(const void* s, void* d, int64_t n) { copy_words(s, d, n, 8); }

}  // namespace

CastFn x_cast_pick__avx512(DType from, DType to) {
  using D = DType;
  if (from == to) return to == D::kBool ? bool_to_bool : to == D::kInt64 ? copy8 : copy4;
  if (from == D::kFloat32) return to == D::kInt32 ? f32_to_i32 : to == D::kInt64 ? f32_to_i64 : f32_to_bool;
  if (from == D::kInt32) return to == D::kFloat32 ? i32_to_f32 : to == D::kInt64 ? i32_to_i64 : i32_to_bool;
  if (from == D::kInt64) return to == D::kFloat32 ? i64_to_f32 : to == D::kInt32 ? i64_to_i32 : i64_to_bool;
  return to == D::kFloat32 ? bool_to_f32 : to == D::kInt32 ? bool_to_i32 : bool_to_i64;
}

}  // namespace kiln
