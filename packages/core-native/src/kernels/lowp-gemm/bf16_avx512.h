// bf16 <-> fp32 on 16 lanes with AVX-512F/BW only, bit for bit the scalar float_to_bf16 /
// bf16_to_float (round to nearest even, NaN kept quiet, subnormals kept): bf16 activations are
// stored by every bf16 layer the same way, whatever its ISA. Widening is a shift.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace kiln::lowp_gemm {

inline __m512 bf16_load_16(__mmask16 mask, const uint16_t* p) {
  const __m256i half = _mm256_maskz_loadu_epi16(mask, p);
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(half), 16));
}

inline __m256i bf16_round_16(__m512 x) {
  const __m512i bits = _mm512_castps_si512(x);
  const __m512i upper = _mm512_srli_epi32(bits, 16);
  const __m512i bias = _mm512_add_epi32(_mm512_and_si512(upper, _mm512_set1_epi32(1)), _mm512_set1_epi32(0x7FFF));
  __m512i rounded = _mm512_srli_epi32(_mm512_add_epi32(bits, bias), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
  rounded = _mm512_mask_or_epi32(rounded, nan, upper, _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(rounded);
}

inline void bf16_store_16(__mmask16 mask, uint16_t* p, __m512 x) {
  _mm256_mask_storeu_epi16(p, mask, bf16_round_16(x));
}

#if defined(__AVX512BF16__)
// The same store through vcvtneps2bf16 (AVX512-BF16), for files built with it: one instruction
// rounds 16 values to nearest even and keeps NaN quiet as float_to_bf16 does, but flushes
// subnormal inputs to zero, so a vector holding a subnormal (fpclass; almost never after a conv)
// takes the integer rounding instead. Same bits as bf16_store_16, a third of its instructions.
inline void bf16_store_16_cvt(__mmask16 mask, uint16_t* p, __m512 x) {
  constexpr int kDenormal = 0x20;  // fpclass: denormal
  if (__builtin_expect(_mm512_mask_fpclass_ps_mask(mask, x, kDenormal) != 0, 0)) return bf16_store_16(mask, p, x);
  _mm256_mask_storeu_epi16(p, mask, reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(x)));
}

// 32 values (lo: columns 0-15, hi: 16-31) rounded as bf16_store_16_cvt rounds them, in one
// vcvtne2ps2bf16 and one store: the same per-value rounding, half the instructions. A pair
// holding a subnormal takes bf16_store_16's integer rounding, as bf16_store_16_cvt does.
inline void bf16_store_32_cvt(__mmask16 lo_lanes, __mmask16 hi_lanes, uint16_t* p, __m512 lo, __m512 hi) {
  constexpr int kDenormal = 0x20;  // fpclass: denormal
  const __mmask16 denormal =
      _mm512_mask_fpclass_ps_mask(lo_lanes, lo, kDenormal) | _mm512_mask_fpclass_ps_mask(hi_lanes, hi, kDenormal);
  if (__builtin_expect(denormal != 0, 0)) {
    bf16_store_16(lo_lanes, p, lo);
    bf16_store_16(hi_lanes, p + 16, hi);
    return;
  }
  const __mmask32 lanes = static_cast<__mmask32>(lo_lanes) | (static_cast<__mmask32>(hi_lanes) << 16);
  _mm512_mask_storeu_epi16(p, lanes, reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(hi, lo)));
}

// Up to 32 floats of an A row (`count` of them, zero past it) rounded to bf16 as the A operands
// of the AVX512-BF16 GEMM are: vcvtne2ps2bf16 (nearest even, subnormals flushed; vdpbf16ps reads
// a subnormal as zero anyway). Value i in 16-bit lane i.
inline __m512i bf16_convert_32(const float* x, int64_t count) {
  const __mmask16 lo = count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1);
  const __mmask16 hi = count >= 32 ? __mmask16(0xFFFF) : count <= 16 ? __mmask16(0) : __mmask16((1u << (count - 16)) - 1);
  return reinterpret_cast<__m512i>(_mm512_cvtne2ps_pbh(_mm512_maskz_loadu_ps(hi, x + 16), _mm512_maskz_loadu_ps(lo, x)));
}
#endif

inline __mmask16 lanes_16(int64_t left) {
  return left >= 16 ? __mmask16(0xFFFF) : left <= 0 ? __mmask16(0) : __mmask16((1u << left) - 1);
}

}  // namespace kiln::lowp_gemm
